"""The deployment files in deploy/ agree with the code and with each other. Neither the image nor the
chart can be built here (no Docker daemon, no helm, no cluster: deploy/README.md), so this reads them:
the Helm values, the Dockerfile and the multi-host instance file."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

from marketing_engine.execution import EXECUTORS
from marketing_engine.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MODULE = PYPROJECT["tool"]["dagster"]["module_name"]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_helm_values_run_the_code_location_and_match_the_instance_file() -> None:
    values, instance = _yaml(DEPLOY / "helm" / "values.yaml"), _yaml(DEPLOY / "dagster.celery.yaml")
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["codeServerArgs"] == ["-m", MODULE]
    env = deployment["env"]
    assert env["MARKETING_ENGINE_EXECUTOR"] in EXECUTORS and env["MARKETING_ENGINE_ENV"] == "prod"
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}  # run pods get env and brand
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher" and "k8sRunLauncher" in launcher["config"]
    # the same pools and step-log place as the instance file of the Celery deployment
    pools = values["concurrency"]["pools"]
    assert (pools["defaultLimit"], pools["granularity"]) == (
        instance["concurrency"]["pools"]["default_limit"],
        instance["concurrency"]["pools"]["granularity"],
    )
    s3_logs = values["computeLogManager"]["config"]["s3ComputeLogManager"]
    assert s3_logs["prefix"] == instance["compute_logs"]["config"]["prefix"]
    # no password in the file: the chart reads it from the secret the header says to create
    assert values["postgresql"]["postgresqlPassword"] == ""
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"  # SQLAlchemy 2.1 + psycopg2


def test_the_dockerfile_installs_extras_that_exist_and_the_tools_the_engine_calls() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (extras,) = re.findall(r"pip install '\.\[([a-z0-9,]+)\]'", dockerfile)
    assert set(extras.split(",")) <= set(PYPROJECT["project"]["optional-dependencies"])
    assert {"celery", "k8s"} <= set(extras.split(","))
    (apt,) = re.findall(r"apt-get install -y --no-install-recommends ([^\\\n&]+)", dockerfile)
    bootstrap = (PROJECT_ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    (declared,) = re.findall(r"^declare -A need=\((.*)\)$", bootstrap, re.MULTILINE)  # `make run`
    run_needs = set(re.findall(r"\]=([a-z0-9-]+)", declared))
    assert run_needs >= {"ffmpeg", "espeak-ng"}, run_needs
    assert run_needs | {"libespeak-ng1"} <= set(apt.split())
    assert f'"-m", "{MODULE}"]' in dockerfile.splitlines()[-1]
    assert "cp deploy/dagster.celery.yaml /opt/dagster/dagster_home/dagster.yaml" in dockerfile
    assert re.search(r"^FROM python:3\.11-", dockerfile, re.MULTILINE), "pyproject: Python 3.11"


def test_the_celery_instance_file_is_a_valid_dagster_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster._core.instance.config import dagster_instance_config

    monkeypatch.setenv("DAGSTER_PG_URL", "postgresql+psycopg2://dagster@db.internal:5432/dagster")
    monkeypatch.setenv("MARKETING_ENGINE_IO_BUCKET", "outputs")
    shutil.copy(DEPLOY / "dagster.celery.yaml", tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_monitoring"]["enabled"] is True
    assert config["concurrency"]["pools"]["granularity"] == "op"
