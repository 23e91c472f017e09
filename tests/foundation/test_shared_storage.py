"""Prod keeps asset outputs on S3 (a real moto_server here), not under DAGSTER_HOME/storage: a step on
another machine — another process with its own engine home and Dagster home — reads what a step here
wrote."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml
from moto_s3 import moto_server, s3_client
from sqlalchemy import func, select

from marketing_engine.assets.brand import campaign_rows
from marketing_engine.brand import load_brand
from marketing_engine.settings import PROJECT_ROOT

BUCKET = "me-outputs"

# One step of a prod run in a fresh process with its own homes, as a worker on another host runs it.
STEP = """
import sys
from dagster import AssetKey, DagsterInstance
from marketing_engine.definitions import build_definitions
from marketing_engine.pipeline import dagster_home
import os
os.environ["DAGSTER_HOME"] = str(dagster_home())
job = build_definitions("prod").resolve_implicit_global_asset_job_def()
result = job.execute_in_process(
    instance=DagsterInstance.get(), asset_selection=[AssetKey(k) for k in sys.argv[1:]], raise_on_error=False
)
for event in result.all_events:
    if event.is_step_failure:
        print(event.event_specific_data.error.message, file=sys.stderr)
print("success" if result.success else "failure")
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        s3_client(url).create_bucket(Bucket=BUCKET)
        yield url


def _prod_env(endpoint: str, home: Path, pg_url: str, brand: Path) -> dict[str, str]:
    """A host's settings; its Dagster instance logs steps as a multi-host deployment's does
    (deploy/dagster.celery.yaml's compute_logs), its run storage stays SQLite (not what this test is about)."""
    deploy = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.celery.yaml").read_text())
    (home / "dagster").mkdir(parents=True)
    instance = {"telemetry": {"enabled": False}, "compute_logs": deploy["compute_logs"]}
    (home / "dagster" / "dagster.yaml").write_text(yaml.safe_dump(instance))
    return {
        "MARKETING_ENGINE_ENV": "prod",
        "MARKETING_ENGINE_HOME": str(home),
        "MARKETING_ENGINE_BRAND": str(brand),
        "MARKETING_ENGINE_WAREHOUSE_URL": pg_url,
        "MARKETING_ENGINE_IO_BUCKET": BUCKET,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def _step(env: dict[str, str], *keys: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETING_ENGINE_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, "-c", STEP, *keys],
        check=False,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.stdout.strip().endswith("success"), done.stdout[-2000:] + done.stderr[-4000:]


def _local_outputs(home: Path) -> list[Path]:
    """What Dagster's filesystem IO manager or local step logs would have left: <home>/dagster/storage."""
    return [p for p in (home / "dagster" / "storage").rglob("*") if p.is_file()]


@pytest.mark.postgres
def test_prod_outputs_go_to_s3_and_a_step_on_another_host_reads_them(endpoint, tmp_path, pg_url, monkeypatch):
    from dagster import AssetKey, DagsterInstance

    from marketing_engine.definitions import build_definitions
    from marketing_engine.warehouse import Warehouse
    from marketing_engine.warehouse.models import Campaign

    brand = PROJECT_ROOT / "examples" / "tasca-da-conceicao.yaml"
    host_a, host_b = tmp_path / "host a", tmp_path / "host b"
    # Host A: this process, in prod, materializes brand_profile.
    for name, value in _prod_env(endpoint, host_a, pg_url, brand).items():
        monkeypatch.setenv(name, value)
    job = build_definitions("prod").resolve_implicit_global_asset_job_def()
    instance = DagsterInstance.from_config(str(host_a / "dagster"))
    assert job.execute_in_process(instance=instance, asset_selection=[AssetKey("brand_profile")]).success
    instance.dispose()
    s3 = s3_client(endpoint)
    keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert "marketing-engine/io/brand_profile" in keys
    body = s3.get_object(Bucket=BUCKET, Key="marketing-engine/io/brand_profile")["Body"].read()
    stored = pickle.loads(body)
    assert stored.name == load_brand(brand).name and stored.slug == load_brand(brand).slug
    assert (host_a / "dagster").is_dir() and _local_outputs(host_a) == []

    # Host B never ran brand_profile: campaigns can only get it from the bucket.
    env_b = _prod_env(endpoint, host_b, pg_url, brand)
    assert [p.name for p in host_b.rglob("*")] == ["dagster", "dagster.yaml"]
    _step(env_b, "campaigns")
    assert _local_outputs(host_b) == []
    logs = [
        obj["Key"]
        for obj in s3.list_objects_v2(Bucket=BUCKET, Prefix="marketing-engine/compute-logs/")["Contents"]
    ]
    assert len(logs) >= 2  # both hosts' step logs
    warehouse = Warehouse(pg_url)
    with warehouse.session() as session:
        made = session.scalar(select(func.count()).select_from(Campaign).where(Campaign.brand == stored.slug))
    warehouse.dispose()
    assert made == len(campaign_rows(stored)) > 0


def test_prod_names_the_output_bucket_setting_and_a_missing_bucket(endpoint, monkeypatch):
    from dagster import materialize

    from marketing_engine.assets.brand import brand_profile
    from marketing_engine.definitions import build_definitions
    from marketing_engine.pipeline import unset_settings
    from marketing_engine.resources import build_resources
    from marketing_engine.resources.io_storage import s3_io_manager_from_env

    monkeypatch.delenv("MARKETING_ENGINE_IO_BUCKET", raising=False)
    defs = build_definitions("prod")
    graph = defs.resolve_implicit_global_asset_job_def().asset_layer.asset_graph
    from marketing_engine.pipeline import Stage

    missing = unset_settings([Stage("foundation", groups=("foundation",))], defs, graph)
    assert "MARKETING_ENGINE_IO_BUCKET" in missing["io_manager"]

    for name, value in {
        "MARKETING_ENGINE_IO_BUCKET": "no-such-bucket",
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    resources = {"brand": build_resources("local")["brand"], "io_manager": s3_io_manager_from_env()}
    with pytest.raises(Exception, match="NoSuchBucket"):
        materialize([brand_profile], resources=resources)


def test_prod_s3_without_key_settings_uses_boto3s_default_credential_chain(endpoint, tmp_path, monkeypatch):
    """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are optional in prod: unset, the media store and the
    IO manager pass no keys and boto3's default chain finds them (here a shared credentials file, as
    an instance role or IRSA would), and the settings check does not ask for them."""
    from dagster import build_resources, materialize

    from marketing_engine.assets.brand import brand_profile
    from marketing_engine.definitions import build_definitions
    from marketing_engine.pipeline import Stage, unset_settings
    from marketing_engine.resources import build_resources as engine_resources
    from marketing_engine.resources import prod_resources
    from marketing_engine.resources.io_storage import s3_io_manager_from_env
    from marketing_engine.resources.media_store import MediaStoreError, _s3_client

    def fresh_boto3():  # a new process's boto3: the default session reads the chain's settings anew
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        _s3_client.cache_clear()

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    settings = {
        "MEDIA_STORE_BUCKET": BUCKET,
        "MARKETING_ENGINE_IO_BUCKET": BUCKET,
        "AWS_ENDPOINT_URL_S3": endpoint,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role on this machine
    defs = build_definitions("prod")
    graph = defs.resolve_implicit_global_asset_job_def().asset_layer.asset_graph
    missing = unset_settings([Stage("foundation", groups=("foundation",))], defs, graph)
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & {
        n for names in missing.values() for n in names
    }
    store = prod_resources()["media_store"]
    assert store.aws_access_key_id is None and store.aws_secret_access_key is None

    # no credentials anywhere: boto3 says so when the store is used
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    fresh_boto3()
    refused = pytest.raises(MediaStoreError, match="Unable to locate credentials")
    with build_resources({"media_store": store}) as built, refused:
        built.media_store.put_bytes(b"frame", ".bin")

    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = from-the-chain\naws_secret_access_key = chain-secret\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    fresh_boto3()
    try:
        with build_resources({"media_store": store}) as built:
            stored = built.media_store.put_bytes(b"frame", ".bin")
            assert built.media_store.get_bytes(stored.key) == b"frame"
        listed = s3_client(endpoint).list_objects_v2(Bucket=BUCKET, Prefix="marketing-engine/")
        assert f"marketing-engine/{stored.key}" in {o["Key"] for o in listed.get("Contents", [])}
        resources = {"brand": engine_resources("local")["brand"], "io_manager": s3_io_manager_from_env()}
        assert materialize([brand_profile], resources=resources).success
    finally:
        _s3_client.cache_clear()
    outputs = s3_client(endpoint).list_objects_v2(Bucket=BUCKET, Prefix="marketing-engine/io/")
    assert any(o["Key"].endswith("brand_profile") for o in outputs.get("Contents", []))
