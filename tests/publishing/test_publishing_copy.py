"""Social copy: one pitch cut into each platform's shape, UTM on every link, media where it fits."""

from __future__ import annotations

import random
import re
from urllib.parse import parse_qs, urlsplit

from marketing_engine.brand import BrandProfile
from marketing_engine.llm import LLMRequest
from marketing_engine.publishing.copy import (
    Pitch,
    compose_pitch,
    drafts_for_source,
    pitch_inputs,
    publishable_platforms,
    sources_from_rows,
    with_utm,
)
from marketing_engine.publishing.platforms import validate_draft
from publishing.platform_helpers import rendered_video

VIDEO = rendered_video("cargo e-bike")
PAGE = {
    "slug": "best-cargo-e-bike-portland",
    "title": "Best cargo e-bike in Portland",
    "keyword": "cargo e-bike",
    "meta_description": "How to choose a cargo e-bike for two kids. Range, brakes and price compared.",
    "published_url": None,
    "canonical_url": None,
}


def _drafts(brand: BrandProfile, pages=(), videos=()):
    sources = sources_from_rows(
        brand.site_url, list(pages), list(videos), [p.model_dump() for p in brand.products]
    )
    drafts = []
    for source in sources:
        request = LLMRequest(task="social_pitch", prompt="", inputs=pitch_inputs(source, brand))
        pitch = Pitch.model_validate(compose_pitch(request, random.Random(3)))
        drafts += drafts_for_source(
            source,
            pitch,
            publishable_platforms(brand.enabled_channels),
            campaign="spring",
            communities=brand.channels["reddit"].communities,
        )
    return sources, drafts


def test_utm_replaces_existing_values_and_keeps_other_parameters() -> None:
    url = with_utm("https://a.example/p?ref=1&utm_source=old", "x", "social", "spring", "page-1-main")
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "ref": ["1"],
        "utm_source": ["x"],
        "utm_medium": ["social"],
        "utm_campaign": ["spring"],
        "utm_content": ["page-1-main"],
    }


def test_every_link_in_every_post_carries_utm(example_brand: BrandProfile) -> None:
    _, drafts = _drafts(example_brand, pages=[PAGE], videos=[VIDEO])
    links = [
        link
        for d in drafts
        for text in [*d.fields.values(), *d.parts]
        for link in re.findall(r"https?://\S+", text)
    ]
    assert len(links) > 10
    for link in links:
        query = parse_qs(urlsplit(link).query)
        assert {"utm_source", "utm_medium", "utm_campaign", "utm_content"} <= set(query), link
    assert all(validate_draft(d) == [] for d in drafts)


def test_x_gets_a_hook_a_thread_and_a_convert_post(example_brand: BrandProfile) -> None:
    _, drafts = _drafts(example_brand, pages=[PAGE])
    x = {
        d.variant: d
        for d in drafts
        if d.platform == "x" and d.content_ref == "page:best-cargo-e-bike-portland"
    }
    assert set(x) == {"hook", "thread", "convert"}
    assert [x[v].arc_step for v in ("hook", "thread", "convert")] == ["hook", "nurture", "convert"]
    assert len(x["thread"].parts) == 4 and x["thread"].parts[0].startswith("2/")
    assert "utm_source=x" in x["thread"].parts[-1]


def test_video_goes_to_video_platforms_in_the_right_shape(example_brand: BrandProfile) -> None:
    _, drafts = _drafts(example_brand, videos=[VIDEO])
    by_platform = {d.platform: d for d in drafts if d.content_ref.startswith("video:")}
    assert {"tiktok", "instagram", "youtube", "pinterest"} <= set(by_platform)
    assert by_platform["tiktok"].media[0]["aspect"] == "9:16"
    assert by_platform["youtube"].fields["title"] == "Cargo e-bike"
    assert "utm_medium=video" in by_platform["youtube"].fields["text"]


def test_text_only_sources_skip_platforms_that_need_media(example_brand: BrandProfile) -> None:
    _, drafts = _drafts(example_brand, pages=[PAGE])
    assert {d.platform for d in drafts} == {"x", "linkedin", "reddit"}


def test_reddit_post_goes_to_a_matching_community(example_brand: BrandProfile) -> None:
    page = {
        **PAGE,
        "slug": "seattle-commute",
        "title": "Commuting in Seattle by e-bike",
        "keyword": "seattle commute",
    }
    _, drafts = _drafts(example_brand, pages=[page])
    [reddit] = [d for d in drafts if d.platform == "reddit" and d.content_ref == "page:seattle-commute"]
    assert reddit.fields["community"] == "Seattle"


def test_renditions_go_only_where_the_video_spec_table_sends_them(example_brand: BrandProfile) -> None:
    preview = {**VIDEO, "rendition": "preview", "width": 360, "height": 640}
    _, drafts = _drafts(example_brand, videos=[preview])
    assert not [d for d in drafts if d.media]  # a review proof is never uploaded
    landscape = {**VIDEO, "rendition": "landscape", "width": 1920, "height": 1080, "media_key": "cd/cd.mp4"}
    _, drafts = _drafts(example_brand, videos=[{**VIDEO, "rendition": "vertical"}, landscape])
    media = {d.platform: d.media[0]["key"] for d in drafts if d.media}
    assert media["tiktok"] == "ab/ab.mp4" and media["youtube"] == "cd/cd.mp4" and media["x"] == "cd/cd.mp4"


def test_video_rules_come_from_the_video_groups_spec_table() -> None:
    from marketing_engine.publishing.platforms import platform, video_specs

    spec = video_specs()["platforms"]["tiktok"]
    assert platform("tiktok").media["video_max_mb"] == spec["max_size_mb"]
    assert [
        platform("tiktok").media["video_min_seconds"],
        platform("tiktok").media["video_max_seconds"],
    ] == spec["duration_s"]
