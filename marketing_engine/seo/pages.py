"""A programmatic page's way from brief to site: which clusters get pages, the request each page is
written from, the draft as the warehouse keeps it, the JSON-LD manifest, the site swapped in whole,
each page's status after the gates, and the article a CMS receives.

Plain Python (the SEO assets wire it); the heavier SEO modules (site, review, schema) are imported
where they are used, so the sensor that reads `cluster_limit` stays light.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from marketing_engine.files import write_text
from marketing_engine.llm import LLMRequest
from marketing_engine.settings import home_dir
from marketing_engine.wording import count_words

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile
    from marketing_engine.claims import ClaimsReport
    from marketing_engine.seo.composer import PageDraft
    from marketing_engine.seo.quality import GateResult
    from marketing_engine.seo.review import PageGate
    from marketing_engine.seo.site import SiteBuild, SitePage
    from marketing_engine.warehouse.registry import ContentRecord

CLUSTERS_SETTING = "MARKETING_ENGINE_SEO_CLUSTERS"


def cluster_limit() -> int:
    """How many of the largest clusters get pages (MARKETING_ENGINE_SEO_CLUSTERS, default 8):
    writing every cluster of a universe is a backfill, not a demo."""
    value = os.environ.get(CLUSTERS_SETTING, "8")
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"{CLUSTERS_SETTING}={value!r}: expected a whole number of at least 1")
    return limit


def page_request(profile: BrandProfile, brief: dict, memory: Any = None) -> LLMRequest:
    """The LLM request for one brief's page: built only from the brand's facts, with the brief's
    keyword placement, questions and internal links; the system prompt is the brand's context.
    `memory` (`analytics.recall.WriterMemory`) adds what campaign memory learned to the prompt and
    the offline composer's inputs (a decided title test's winner shapes the title)."""
    links = "; ".join(f"[[{link['anchor']}|{link['url']}]]" for link in brief["links"])
    prompt = (
        f'Write a {brief["page_type"]} page targeting the keyword "{brief["keyword"]}" '
        f'(intent: {brief["intent"]}; topic hub: "{brief["hub_keyword"]}").\n'
        "Build it only from the FACTS: H2 sections (a bulleted `items` list where the facts are a list), "
        "an FAQ of the questions below that the facts answer"
        + (", and a direct answer paragraph first" if brief["page_type"] == "Question" else "")
        + ". A page the facts cannot fill stays short.\nUse the keyword in the title (10–60 characters), the "
        f"H1 and the first 100 words; meta description 50–160 characters. Related searches: "
        f"{', '.join(brief['siblings'][:8])}. Questions people ask: {', '.join(brief['questions']) or 'none'}.\n"
        f"Place each of these internal links once, in a sentence where it fits, written exactly as given: "
        f"{links}.\nReturn the page as the structured output."
    )
    block = memory.prompt_block() if memory is not None else ""
    if block:
        prompt += f"\n{block}"
    return LLMRequest(
        task="seo_page",
        prompt=prompt,
        system=profile.llm_context("web pages"),
        max_tokens=8000,
        custom_id=brief["slug"][:64],
        inputs={
            **brief,
            "brand": profile.model_dump(mode="json"),
            **({"learned": memory.as_inputs()} if memory is not None else {}),
        },
    )


@dataclass(frozen=True)
class StoredBrief:
    """A page brief as the warehouse keeps it (`page_briefs`)."""

    slug: str
    path: str
    cluster_slug: str
    page_type: str
    keyword: str
    brief: dict[str, Any]
    draft_key: str | None = None
    modified_on: date | None = None


def draft_payload(draft: PageDraft) -> tuple[bytes, str]:
    """The draft as stored (canonical JSON) and its sha256: lastmod moves only when this changes."""
    payload = json.dumps(draft.model_dump(), sort_keys=True, ensure_ascii=False).encode()
    return payload, hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class WrittenDraft:
    """A written page as the warehouse keeps it: its stored draft and the claims gate's verdict."""

    slug: str
    page_type: str
    keyword: str
    title: str
    meta_description: str
    words: int
    draft_key: str
    sha256: str
    claims: dict[str, Any]  # review.report_json
    passed: bool
    first_finding: str

    @classmethod
    def of(cls, brief: StoredBrief, draft: PageDraft, key: str, sha256: str, report: ClaimsReport):
        from marketing_engine.seo.review import report_json

        return cls(
            brief.slug,
            brief.page_type,
            brief.keyword,
            draft.title,
            draft.meta_description,
            count_words(" ".join(draft.body_texts())),
            key,
            sha256,
            report_json(report),
            report.passed,
            "passed" if report.passed else report.summary(1),
        )

    def preview(self) -> dict[str, Any]:
        """The draft as the asset's preview lists it, its claims column the verdict in a few words."""
        return asdict(self) | {"claims": self.first_finding}


class MediaStore(Protocol):
    """Where drafts, pages and images go (the media store resource): each put returns what was stored,
    with its `key`, `sha256`, `size` and `content_type`."""

    def put_bytes(self, data: bytes, suffix: str = "", content_type: str | None = None) -> Any: ...

    def put_file(self, path: Path | str, content_type: str | None = None) -> Any: ...

    def get_bytes(self, key: str) -> bytes: ...


def write_drafts(
    profile: BrandProfile, briefs: Sequence[StoredBrief], drafts: Sequence[PageDraft], media: MediaStore
) -> tuple[list[WrittenDraft], PageGate]:
    """Run the claims gate on every draft, LLM-written or not (what fails is held for a person), and
    store each draft in the media store."""
    from marketing_engine.seo.review import gate_pages

    gate = gate_pages(profile, [(brief.slug, brief.brief, draft) for brief, draft in zip(briefs, drafts)])
    written = []
    for brief, draft in zip(briefs, drafts):
        payload, digest = draft_payload(draft)
        key = media.put_bytes(payload, suffix=".json").key
        written.append(WrittenDraft.of(brief, draft, key, digest, gate.reports[brief.slug]))
    return written, gate


@dataclass
class JsonLd:
    """Every page's JSON-LD blocks, the problems validation found, and the types written."""

    manifest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    types: Counter = field(default_factory=Counter)
    by_page_type: dict[str, Counter] = field(default_factory=dict)

    def manifest_json(self) -> bytes:
        return json.dumps(self.manifest, sort_keys=True).encode()

    def summary(self) -> dict[str, Any]:
        """The pages and the types written (all, with a rich result, per page type) with Google's
        documentation of each, and the first problems found."""
        from marketing_engine.seo import schema

        rich = Counter(t for blocks in self.manifest.values() for t in schema.rich_result_types(blocks))
        return {
            "pages": len(self.manifest),
            "types": dict(self.types),
            "rich_result_types": dict(rich),
            "types_by_page_type": {k: dict(v) for k, v in sorted(self.by_page_type.items())},
            "documentation": schema.RICH_RESULT_DOCS,
            "no_rich_result": schema.NO_RICH_RESULT_NOTE,
            "invalid_pages": len(self.problems),
            "problems": dict(list(self.problems.items())[:10]),
        }


def json_ld(profile: BrandProfile, pages: Sequence[SitePage]) -> JsonLd:
    """Build and validate each page's JSON-LD as the site will carry it."""
    from marketing_engine.seo import schema
    from marketing_engine.seo.site import SiteBuilder

    builder, found = SiteBuilder(profile), JsonLd()
    for page in pages:
        blocks = builder.json_ld(page)
        found.manifest[page.path] = blocks
        found.types.update(b["@type"] for b in blocks)
        found.by_page_type.setdefault(page.page_type, Counter()).update(b["@type"] for b in blocks)
        if problems := schema.validate(blocks):
            found.problems[page.path] = problems
    return found


def store_json_ld_problems(problems: Mapping[str, list[str]], media: MediaStore) -> str:
    """Keep the validation's problems for the JSON-LD check, which runs in its own step (maybe on
    another machine): in the media store; the key goes in page_schema's metadata."""
    return media.put_bytes(json.dumps(problems, indent=1, sort_keys=True).encode(), suffix=".json").key


def json_ld_problems(key: str | None, media: MediaStore) -> dict[str, list[str]]:
    """The stored validation's problems by page path; before any, one problem: it has not run."""
    return json.loads(media.get_bytes(key)) if key else {"<none>": ["page_schema has not run"]}


def held_by_claims(claims: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    """Path → why the claims gate held it, for the pages whose stored claims report failed."""
    return {path: report["summary"] for path, report in claims.items() if not report["passed"]}


def build_site(
    profile: BrandProfile, pages: Sequence[SitePage], hubs: Sequence[Any], held: Mapping[str, str]
) -> tuple[SiteBuild, Path]:
    """Build the site in a staging folder and swap it in whole (a reader never sees half a site)."""
    from marketing_engine.seo.site import SiteBuilder

    site = home_dir("site")
    staging = site.with_name("site.building")
    shutil.rmtree(staging, ignore_errors=True)
    build = SiteBuilder(profile).build(pages, hubs, staging, held=dict(held))
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    build.moved_to(site)  # the pages' HTML is read from the written files
    return build, site


@dataclass(frozen=True)
class BuiltPage:
    """A page as the site build left it: indexable or not, its gate report and where its HTML is."""

    slug: str
    indexable: bool
    gate_report: dict[str, Any]
    status: str  # ready, held (by the claims gate) or noindex (by another gate)
    html_key: str
    canonical_url: str
    quality_score: float

    @classmethod
    def of(cls, page: SitePage, build: SiteBuild, claims: dict[str, Any] | None, html_key: str) -> BuiltPage:
        gate: GateResult = build.gates[page.path]
        return cls(
            page.slug,
            gate.passed,
            gate.as_dict() | ({"claims": claims} if claims else {}),
            "ready" if gate.passed else "held" if page.path in build.held else "noindex",
            html_key,
            build.base_url + page.path,
            round(1 - len(gate.failures) / 10, 2),
        )


def store_pages(
    pages: Sequence[SitePage],
    build: SiteBuild,
    site: Path,
    claims: Mapping[str, dict[str, Any]],
    media: MediaStore,
    made: Mapping[str, Any],
    draft_keys: Mapping[str, str | None],
) -> tuple[list[BuiltPage], list[ContentRecord]]:
    """Put each built page's HTML and hero image in the media store: the page as the build left it,
    and the content registry's records (`made`: the run's provenance; each adds the page's draft)."""
    from marketing_engine.warehouse.registry import stored_record

    built, records = [], []
    for page in pages:
        stored = media.put_bytes(build.html[page.path].encode(), suffix=".html")
        built.append(BuiltPage.of(page, build, claims.get(page.path), stored.key))
        provenance = {**made, "draft_key": draft_keys[page.slug]}
        records.append(
            stored_record("page", page.path, stored, provenance | {"indexable": built[-1].indexable})
        )
        if (hero := site / "assets" / "hero" / f"{page.slug}.svg").is_file():
            records.append(stored_record("image", f"{page.path}#hero", media.put_file(hero), provenance))
    return built, records


def write_review_queue(
    pages: Sequence[SitePage], build: SiteBuild, claims: Mapping[str, dict[str, Any]]
) -> Path:
    """The markdown queue of pages the claims gate held, for a person to fix."""
    from marketing_engine.seo.review import review_queue

    queue = home_dir("reports") / "page_review_queue.md"
    held = [
        {"path": p.path, "keyword": p.keyword, "claims": claims[p.path]}
        for p in pages
        if p.path in build.held
    ]
    write_text(queue, review_queue(held), encoding="utf-8")
    return queue


def site_summary(pages: Sequence[SitePage], hubs: Sequence[Any], build: SiteBuild) -> dict[str, Any]:
    """What the build did: pages indexed (in all and per type, as [indexed, total]), held and
    noindex, hubs, sitemap and files, and how long each step took."""
    kinds = Counter(p.page_type for p in pages)
    indexed = Counter(p.page_type for p in pages if p.path not in build.noindex)
    return {
        "indexed": len(pages) - len(build.noindex),
        "held_by_claims": len(build.held),
        "faq_answers_given_once": build.answers_dropped,
        "pages_per_type": {k: [indexed.get(k, 0), n] for k, n in sorted(kinds.items())},
        "pages": len(pages),
        "hubs": len(hubs),
        "noindex": len(build.noindex),
        "sitemap_urls": build.sitemap_urls,
        "sitemap_files": build.sitemap_files,
        "files": build.files_written,
        "seconds_render": round(build.seconds_render, 3),
        "seconds_check": round(build.seconds_check, 3),
        "seconds_write": round(build.seconds_write, 3),
    }


def failing_pages(build: SiteBuild) -> list[dict[str, str]]:
    """The pages a gate left noindex, with why."""
    return [{"path": p, "failures": "; ".join(build.gates[p].failures)} for p in build.noindex]


def site_preview(pages: Sequence[SitePage], build: SiteBuild) -> list[dict[str, Any]]:
    """Each page's path, type, title and content words, as built."""
    return [
        {
            "path": p.path,
            "type": p.page_type,
            "title": p.draft["title"],
            "words": build.gates[p.path].content_words,
        }
        for p in pages
    ]


def audit_site(
    profile: BrandProfile, indexable: Sequence[tuple[str, str, str]], site: Path
) -> dict[str, GateResult]:
    """Every gate re-run on the site as written (`site`), for the (path, keyword, page type)
    indexable pages."""
    from marketing_engine.seo import quality

    return quality.audit_built_site(
        site,
        {path: keyword for path, keyword, _ in indexable},
        (profile.tone.reading_ease.min, profile.tone.reading_ease.max),
        page_types={path: page_type for path, _, page_type in indexable},
        profile=profile,
    )


def article_html(page_html: bytes) -> str:
    """The page's `<article>` (what a CMS gets: its own theme gives the rest)."""
    import lxml.html

    article = lxml.html.fromstring(page_html).xpath("//article")[0]
    return lxml.html.tostring(article, encoding="unicode")
