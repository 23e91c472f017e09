"""The scale ladder's measuring (benchmarks/_ladder.py, benchmarks/scale.py) on tiny cases: each
size in its own process, the run's own memory growth seen apart from what prepare allocated."""

from __future__ import annotations

import pytest

from benchmarks import scale
from benchmarks._ladder import Case

MIB = 1024 * 1024


def _prepare(size: int) -> bytes:
    return b"p" * (8 * MIB)  # held through run: in the peak, not in run's own growth


def _allocate(state: bytes) -> dict:
    size = len(state) // (8 * MIB)
    block = b"x" * (size * 4 * MIB)  # written, so resident
    return {"mib": len(block) // MIB, "seconds_inner": 0.5}


def _compare(state: bytes) -> dict:
    block = b"c" * (64 * MIB)  # after the measurement: in no figure
    return {"checked": len(block) // MIB}


def _broken(state: bytes) -> dict:
    raise RuntimeError("this case fails on purpose")


CASES = [
    Case("allocate", "blocks", 2, lambda size: b"p" * (size * 8 * MIB), _allocate, check=_compare),
    Case("broken", "blocks", 2, _prepare, _broken),
]


def test_each_size_runs_in_its_own_process_and_reports_run_memory_apart_from_prepare():
    case = CASES[0]
    one = scale._run_size(__name__, case, case.base)
    ten = scale._run_size(__name__, case, 10 * case.base)
    assert one["extras"] == {"mib": 8, "seconds_inner": 0.5, "checked": 64} and ten["extras"]["mib"] == 80
    # prepare held 16 / 160 MiB before run: the run's own growth counts only run's block
    assert 6 <= one["run_growth_mib"] <= 14 and 75 <= ten["run_growth_mib"] <= 90
    assert ten["prepared_mib"] > one["prepared_mib"] + 100
    assert ten["peak_mib"] >= ten["prepared_mib"] + 75
    assert one["peak_mib"] < one["prepared_mib"] + 40  # the check's 64 MiB came after the peak was read
    assert one["wall"] > 0 and one["cpu"] > 0

    cells = scale.row(case, one, ten)
    assert cells["size 1x"] == "2 blocks" and cells["size 10x"] == "20"
    assert cells["ideal"] == "10.0x (n)"
    assert cells["extras"] == "mib 8 / 80; seconds_inner 0.50 s / 0.50 s; checked 64 / 64"
    table = scale.markdown([cells]).splitlines()
    assert table[0].startswith("| capability | size 1x | size 10x | time 1x | time 10x | time growth | ideal")
    assert len(table) == 3 and table[2].count("|") == len(scale.COLUMNS) + 1


def test_a_failing_case_is_reported_not_hidden():
    case = CASES[1]
    cells = scale.row(case, scale._run_size(__name__, case, 2), scale._run_size(__name__, case, 20))
    assert cells["extras"] == "FAILED 2: exited with 1; 20: exited with 1"


def test_case_rejects_an_unknown_ideal_and_knows_n_log_n():
    with pytest.raises(ValueError, match=r"ideal 'n\^3'"):
        Case("x", "items", 10, _prepare, _allocate, ideal="n^3")
    assert Case("x", "items", 10_000, _prepare, _allocate, ideal="n log n").ideal_growth() == pytest.approx(
        12.5
    )


def test_unknown_case_names_are_refused():
    with pytest.raises(SystemExit, match="unknown ladder case"):
        scale.main(["no-such-case"])
