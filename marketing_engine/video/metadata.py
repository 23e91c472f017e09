"""Per-platform titles, descriptions and hashtags, cut to each platform's limits."""

from __future__ import annotations

import json
from typing import Any

from marketing_engine.files import write_text
from marketing_engine.video.library import rendition, spec_table
from marketing_engine.video.script import VideoScript
from marketing_engine.video.step import Step
from marketing_engine.video.topics import topic_folder


def hashtags(profile: Any, script: VideoScript, limit: int, platform: str | None = None) -> list[str]:
    """Topic first, then the brand, then seed topics: CamelCase, no duplicates, letters kept in any
    script where the platform links them (`#CaféÀNoite`), transliterated where it links ASCII only."""
    from marketing_engine.publishing.platforms import hashtag

    tags: list[str] = []
    for phrase in [script.topic, profile.name, *profile.seed_topics]:
        tag = hashtag(phrase, platform)
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags[:limit]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def platform_metadata(profile: Any, script: VideoScript, renditions: list[str]) -> dict[str, dict[str, Any]]:
    """One entry per platform a rendition serves: title, description, hashtags, rendition."""
    limits = spec_table()["metadata_limits"]
    entries: dict[str, dict[str, Any]] = {}
    for name in renditions:
        for platform in rendition(name).platforms:
            if platform in entries or platform not in limits:
                continue
            limit = limits[platform]
            tags = hashtags(profile, script, limit["hashtags"], platform)
            tag_text = " ".join(tags)
            body = f"{script.hook} {' '.join(b.on_screen + '.' for b in script.beats)} {script.cta}"
            room = limit["description"] - len(tag_text) - 2
            title = _cut(script.hook_on_screen, limit["title"]) if limit["title"] else ""
            entries[platform] = {
                "rendition": name,
                "title": title,
                "description": (_cut(body, room) + "\n\n" + tag_text).strip(),
                "hashtags": tags,
            }
    return entries


def publish_metadata(
    profile: Any, script: VideoScript, renditions: list[str], topic: str, store: Any
) -> Step:
    """The platforms' entries (see `platform_metadata`) in `metadata.json` beside the topic's videos,
    where a person uploading by hand finds them, and in the media store."""
    entries = platform_metadata(profile, script, renditions)
    file = write_text(
        topic_folder(topic) / "metadata.json", json.dumps(entries, indent=1, ensure_ascii=False)
    )
    metadata = {"platforms": len(entries), "key": store.put_file(file).key}
    rows = [
        {
            "platform": platform,
            **{k: v for k, v in entry.items() if k != "hashtags"},
            "hashtags": " ".join(entry["hashtags"]),
        }
        for platform, entry in entries.items()
    ]
    preview = (rows, ["platform", "rendition", "title", "hashtags"])
    return Step(entries, metadata, {"file": str(file)}, {"preview": preview})
