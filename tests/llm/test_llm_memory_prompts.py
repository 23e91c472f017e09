"""What the writers send Anthropic carries campaign memory: a finding stored for the platform reaches the
/v1/messages body of the post-copy, video-script and page requests (respx at the SDK's transport)."""

import json

import httpx
import pytest

from marketing_engine.analytics.recall import writer_memory
from marketing_engine.analytics.store import save_findings
from marketing_engine.brand import load_brand
from marketing_engine.resources.llm_anthropic import AnthropicBackend
from marketing_engine.resources.llm_offline import OfflineComposer
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse

from .conftest import BASE_URL, message_body, tool_use


def _requests(profile, warehouse, platform: str):
    """One request of each writer, every one built with what memory says for `platform`."""
    from marketing_engine.publishing.copy import Pitch, brand_sources, pitch_requests
    from marketing_engine.seo.briefs import PageBrief
    from marketing_engine.seo.composer import PageDraft
    from marketing_engine.seo.pages import page_request
    from marketing_engine.video.dna import video_dna
    from marketing_engine.video.script import VideoScript
    from marketing_engine.video.studio import script_request

    topic = profile.seed_topics[0]
    memory = writer_memory(warehouse, profile.slug, [platform], topic)
    (pitch,) = pitch_requests(brand_sources(profile, [], [])[:1], profile, lambda _topic: memory)
    script = script_request(profile, video_dna(profile).as_dict(), topic, 30, memory=memory)
    brief = PageBrief("s", "/s/", "Guide", topic, "informational", "c", topic, topic, [], []).as_dict()
    page = page_request(profile, brief, memory)
    return [(pitch, Pitch), (script, VideoScript), (page, PageDraft)]


FINDING = "on tiktok, story hooks beat statistic hooks by 31% ± 12% over 64 posts"


@pytest.fixture(scope="module")
def requests(tmp_path_factory):
    """The three writers' requests, built once from a warehouse holding one new finding."""
    profile = load_brand(EXAMPLE_BRAND)
    warehouse = Warehouse(f"sqlite:///{tmp_path_factory.mktemp('memory') / 'w.sqlite'}")
    save_findings(
        warehouse,
        [
            {
                "brand": profile.slug,
                "platform": "tiktok",
                "dimension": "hook",
                "finding_key": "story>statistic",
                "finding": FINDING,
                "effect": 0.31,
                "effect_low": 0.19,
                "effect_high": 0.43,
                "evidence_count": 64,
            }
        ],
    )
    built = _requests(profile, warehouse, "tiktok")
    warehouse.dispose()
    return built


@pytest.mark.parametrize("writer", [0, 1, 2], ids=["post copy", "video script", "page"])
def test_a_stored_finding_reaches_the_anthropic_request_body(anthropic_api, writer, requests):
    request, schema = requests[writer]
    answer = OfflineComposer().generate(request, schema).data.model_dump(mode="json")
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(tool_use(answer), stop_reason="tool_use"))
    )
    backend = AnthropicBackend(
        api_key="sk-ant-test", model="claude-sonnet-4-5", base_url=BASE_URL, max_retries=0
    )
    result = backend.generate(request, schema)
    body = json.loads(route.calls.last.request.content)
    (message,) = body["messages"]
    assert FINDING in message["content"] and "favoured hook type: story" in message["content"]
    assert FINDING not in json.dumps(body["system"])  # the cached brand context stays the same
    assert result.data == schema.model_validate(answer)
