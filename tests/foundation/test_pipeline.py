from __future__ import annotations

import pytest
from dagster import EnvVar
from rich.console import Console

from marketing_engine import cli
from marketing_engine.pipeline import STAGES, PipelineError, Stage, dagster_home, run_pipeline, summarize
from marketing_engine.resources import build_resources
from marketing_engine.settings import environment, home_dir, warehouse_url

FOUNDATION = [stage for stage in STAGES if stage.name == "foundation"]


def test_foundation_stage_runs_into_the_engine_home_and_is_idempotent(engine_home):
    console = Console(record=True, width=120)
    reports = run_pipeline(FOUNDATION, console=console)
    assert reports[0].assets == {"brand_profile", "campaigns"} and reports[0].runs == 1
    first = summarize(console)
    run_pipeline(FOUNDATION, console=console)
    assert summarize(console) == first
    assert first["campaigns"] == 32
    assert (engine_home / "warehouse.sqlite").is_file()
    assert (dagster_home() / "dagster.yaml").is_file()
    assert "campaigns" in console.export_text()


def test_a_failing_stage_names_the_stage_and_the_step(tmp_path, monkeypatch):
    broken = tmp_path / "brand.yaml"
    broken.write_text("name: x\n")
    monkeypatch.setenv("MARKETING_ENGINE_BRAND", str(broken))
    with pytest.raises(PipelineError, match="stage 'foundation' failed: brand_profile"):
        run_pipeline(FOUNDATION, console=Console(quiet=True))


def test_a_stage_that_selects_nothing_is_refused():
    with pytest.raises(PipelineError, match="selects no assets"):
        run_pipeline([Stage("empty", groups=("no_such_group",))], console=Console(quiet=True))


def test_cli_run_reports_a_broken_brand_file_and_exits_2(tmp_path, capsys):
    broken = tmp_path / "brand.yaml"
    broken.write_text("name: Kestrel\n")
    assert cli.main(["run", "--brand", str(broken)]) == 2
    assert "Brand file error" in capsys.readouterr().out


def test_cli_run_succeeds_on_the_example(monkeypatch, capsys):
    monkeypatch.setattr("marketing_engine.pipeline.STAGES", FOUNDATION)
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Kestrel Cycles" in out and "campaigns" in out and "Done in" in out


def test_cli_run_exits_1_when_a_stage_fails(monkeypatch, capsys):
    monkeypatch.setattr("marketing_engine.pipeline.STAGES", [Stage("empty", groups=("nothing",))])
    assert cli.main(["run"]) == 1


def test_settings_come_from_the_environment(engine_home, monkeypatch):
    assert warehouse_url() == f"sqlite:///{engine_home / 'warehouse.sqlite'}"
    assert home_dir("site") == engine_home / "site" and (engine_home / "site").is_dir()
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "staging")
    with pytest.raises(ValueError, match="MARKETING_ENGINE_ENV='staging'"):
        environment()


def test_prod_resources_take_secrets_only_from_env_vars():
    resources = build_resources("prod")
    assert isinstance(resources["llm"].api_key, EnvVar) or resources["llm"].api_key is None
    local = build_resources("local")
    assert local["llm"].backend == "offline" and local["media_store"].backend == "local"
