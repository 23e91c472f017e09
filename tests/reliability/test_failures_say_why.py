"""Failures say why: the last line of a failed run names the asset, the underlying exception and
what to do; a failed blocking check names its rule and the offending items; stages that do not
need what failed still run."""

from __future__ import annotations

import pytest
from dagster import AssetCheckResult, AssetCheckSeverity, Definitions, MetadataValue, asset, asset_check
from rich.console import Console

from marketing_engine import cli
from marketing_engine.pipeline import STAGES, PipelineError, Stage, run_pipeline


@asset(group_name="probe_a")
def source_rows() -> int:
    try:
        {}["price"]
    except KeyError as exc:
        raise ValueError("price column missing in the supplier feed") from exc
    return 1


@asset(group_name="probe_b")
def downstream_rows(source_rows: int) -> int:
    return source_rows + 1


@asset(group_name="probe_c")
def independent_pages() -> int:
    return 3


@asset_check(asset=independent_pages, blocking=True, description="Every page title is 10-60 characters.")
def titles_fit(independent_pages: int) -> AssetCheckResult:
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        metadata={"failing": 1, "examples": MetadataValue.json({"/guides/x/": "title is 72 characters"})},
    )


@asset(group_name="probe_d")
def after_the_check(independent_pages: int) -> int:
    return independent_pages


@asset(group_name="probe_e")
def unrelated() -> int:
    return 5


PROBE_DEFS = Definitions(
    assets=[source_rows, downstream_rows, independent_pages, after_the_check, unrelated],
    asset_checks=[titles_fit],
)


def test_every_failure_is_named_with_its_cause_and_the_independent_stages_still_run(monkeypatch):
    monkeypatch.setattr("marketing_engine.definitions.build_definitions", lambda env=None: PROBE_DEFS)
    stages = [Stage(name, groups=(f"probe_{name}",)) for name in "abcde"]
    with pytest.raises(PipelineError) as raised:
        run_pipeline(stages, console=Console(quiet=True))
    error = raised.value
    assert [r.name for r in error.reports] == ["e"]  # a ran and failed, b and d skipped, c's check failed
    assert error.skipped == ["b", "d"]
    first, check = error.failures
    assert first.where == "source_rows"
    assert first.cause == "ValueError: price column missing in the supplier feed"  # not Dagster's wrapper
    assert check.where == "check titles_fit on independent_pages"
    assert "rule: Every page title is 10-60 characters." in check.cause
    assert '"/guides/x/": "title is 72 characters"' in check.cause
    last = str(error).splitlines()[-1]
    assert last.startswith(
        "stage 'a' failed: source_rows: ValueError: price column missing in the supplier feed"
    )
    assert "— to fix: " in last


def test_the_cli_ends_a_failed_run_with_the_asset_the_cause_and_what_to_do(monkeypatch, capsys):
    def broken(profile):
        raise RuntimeError(f"no campaign template for {profile.name}")

    monkeypatch.setattr("marketing_engine.assets.brand.campaign_rows", broken)
    assert cli.main(["run", "--stage", "foundation"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[-1] == (
        "stage 'foundation' failed: campaigns: RuntimeError: no campaign template for Kestrel Cycles — to fix: "
        "fix the cause named here and run `make run` again; the full log is in `make dev` → Runs"
    )


def test_a_brand_file_error_stops_before_any_work(tmp_path, capsys, engine_home):
    broken = tmp_path / "brand.yaml"
    broken.write_bytes(b"name: Kestrel\ndescription: caf\xe9\n")
    assert cli.main(["run", "--brand", str(broken)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert (
        out[-1]
        == f"Brand file error: {broken}: is not UTF-8: byte 0xe9 at offset 30 (line 2, column 17); save the file as UTF-8"
    )
    assert not engine_home.exists()  # nothing made


def test_unknown_stage_names_the_stages(capsys):
    with pytest.raises(SystemExit, match="unknown stage 'seo keyword'; stages: foundation, seo keywords"):
        cli.main(["run", "--stage", "seo keyword"])
    assert {stage.name for stage in STAGES} >= {"foundation", "seo keywords", "video"}
