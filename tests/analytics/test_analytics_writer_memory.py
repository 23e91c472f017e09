"""Campaign memory closes the loop: the post-copy, video-script and page writers read the findings for
their platforms and topic; a new finding changes the next draft (offline) and the prompt."""

from __future__ import annotations

import pytest

from marketing_engine.analytics.recall import writer_memory
from marketing_engine.analytics.store import save_experiments, save_findings
from marketing_engine.brand import load_brand
from marketing_engine.publishing.copy import Pitch, brand_sources, pitch_requests, publishable_platforms
from marketing_engine.resources.llm_offline import OfflineComposer
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse

BRANDS = {"kestrel": EXAMPLE_BRAND, "tasca": EXAMPLE_BRAND.parent / "examples" / "tasca-da-conceicao.yaml"}


@pytest.fixture
def warehouse(tmp_path):
    store = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    yield store
    store.dispose()


def _finding(platform: str, best: str, other: str, evidence: int = 60) -> dict:
    text = f"on {platform}, {best.replace('_', ' ')} hooks beat {other.replace('_', ' ')} hooks by 21% ± 9% over {evidence} posts"
    return {
        "platform": platform,
        "dimension": "hook",
        "finding_key": f"{best}>{other}",
        "finding": text,
        "effect": 0.21,
        "effect_low": 0.12,
        "effect_high": 0.30,
        "evidence_count": evidence,
    }


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_a_new_hook_finding_changes_the_next_post_draft_and_its_prompt(name, warehouse):
    profile = load_brand(BRANDS[name])
    platforms = publishable_platforms(profile.enabled_channels)
    source = brand_sources(profile, [], [])[0]

    def draft():
        memory = lambda topic: writer_memory(warehouse, profile.slug, platforms, topic)
        (request,) = pitch_requests([source], profile, memory)
        return request, OfflineComposer().generate(request, Pitch).data

    before, pitch = draft()
    assert "campaign memory" not in before.prompt and before.inputs["learned"]["favoured_hook"] is None
    wanted = next(
        arm for arm in ("how_to", "question", "bold_claim") if pitch.hook_variants[arm] != pitch.hook
    )
    finding = _finding(platforms[0], wanted, "statistic")
    save_findings(warehouse, [{"brand": profile.slug, **finding}])

    after, changed = draft()
    assert finding["finding"] in after.prompt  # what the Anthropic prompt says
    assert after.inputs["learned"]["favoured_hook"] == wanted
    assert changed.hook == pitch.hook_variants[wanted] != pitch.hook  # the offline draft opens differently


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_a_new_finding_changes_the_next_video_script_trigger(name, warehouse):
    from marketing_engine.video.dna import video_dna
    from marketing_engine.video.script import HOOK_TRIGGERS, VideoScript
    from marketing_engine.video.studio import script_request

    profile = load_brand(BRANDS[name])
    dna = video_dna(profile).as_dict()
    platforms = [p for p in ("youtube", "tiktok", "instagram") if p in profile.enabled_channels]
    topic = profile.seed_topics[0]

    def request():
        return script_request(
            profile, dna, topic, 30, memory=writer_memory(warehouse, profile.slug, platforms, topic)
        )

    first = request()
    wanted = next(
        h for h in ("story", "question", "how_to") if HOOK_TRIGGERS[h] != first.inputs["trigger"]["name"]
    )
    finding = _finding(platforms[0], wanted, "bold_claim")
    save_findings(warehouse, [{"brand": profile.slug, **finding}])
    second = request()
    assert second.inputs["trigger"]["name"] == HOOK_TRIGGERS[wanted] != first.inputs["trigger"]["name"]
    assert finding["finding"] in second.prompt and finding["finding"] not in first.prompt
    written = OfflineComposer().generate(second, VideoScript).data
    assert written.trigger == HOOK_TRIGGERS[wanted]


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_a_decided_title_test_changes_the_next_page_title(name, warehouse):
    from marketing_engine.seo.briefs import PageBrief
    from marketing_engine.seo.composer import PageDraft
    from marketing_engine.seo.pages import page_request
    from marketing_engine.seo.split_test import EXPERIMENT, LABELS

    profile = load_brand(BRANDS[name])
    topic = profile.seed_topics[0]
    brief = PageBrief("s", "/s/", "Guide", topic, "informational", "c", topic, topic, [], []).as_dict()

    def page():
        request = page_request(
            profile, brief, writer_memory(warehouse, profile.slug, ["site", "search"], topic)
        )
        return request, OfflineComposer().generate(request, PageDraft).data

    before, draft = page()
    assert not draft.title.endswith(f"| {profile.name}") and "decided" not in before.prompt
    result = {
        "brand": profile.slug,
        "experiment": EXPERIMENT,
        "subject": "page titles",
        "variant_a": LABELS[0],
        "variant_b": LABELS[1],
        "visitors_a": 90_000,
        "conversions_a": 2_700,
        "visitors_b": 90_000,
        "conversions_b": 3_100,
        "chance_to_win": 0.999,
        "lift": 0.148,
        "ci_low": 0.09,
        "ci_high": 0.2,
        "expected_loss": 0.0,
        "sequential_significant": True,
        "decision": "ship B",
        "looks": [],
    }
    save_experiments(warehouse, [result], [])
    after, changed = page()
    assert f"experiment {EXPERIMENT} decided: use {LABELS[1]!r}" in after.prompt
    if len(f"{draft.title} | {profile.name}") <= 60:
        assert changed.title == f"{draft.title} | {profile.name}"
    else:  # too long for the variant: the title stays as written
        assert changed.title == draft.title


def test_a_hook_test_stopped_with_no_difference_names_no_winner(warehouse):
    """A hook test's A is only the runner-up arm: stopped with no difference, it is no winner for the
    writers; shipped, its B is. The title test's A is its control, which a stopped test keeps."""
    from marketing_engine.seo.split_test import EXPERIMENT, LABELS

    def result(experiment: str, a: str, b: str, decision: str) -> dict:
        figures = {"visitors_a": 200, "conversions_a": 100, "visitors_b": 200, "conversions_b": 101}
        return {
            "brand": "b",
            "experiment": experiment,
            "subject": "s",
            "variant_a": a,
            "variant_b": b,
            **figures,
            "chance_to_win": 0.52,
            "lift": 0.01,
            "ci_low": -0.1,
            "ci_high": 0.1,
            "expected_loss": 0.01,
            "sequential_significant": False,
            "decision": decision,
            "looks": [],
        }

    save_experiments(
        warehouse,
        [
            result("hook:linkedin", "question", "how_to", "stopped: no difference, keep A"),
            result("hook:x", "question", "statistic", "ship B"),
            result("title:youtube", "as_written", "question", "stopped: no difference, keep A"),
            result(EXPERIMENT, *LABELS, "stopped: no difference, keep A"),
            result("hook:reddit", "question", "how_to", "keep running"),
        ],
        [],
    )
    memory = writer_memory(warehouse, "b", ["linkedin", "x"])
    assert memory.winners == {"hook:x": "statistic", EXPERIMENT: LABELS[0]}
    assert "hook:linkedin" not in memory.prompt_block()
