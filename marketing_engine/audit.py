"""What a business owner would check in a finished engine home: every published page, post, caption
and email read back from disk, with the claims gate's findings, sentence reuse across pages and the
words per page type. `marketing-engine audit` prints it; tests assert on it.
"""

from __future__ import annotations

import argparse
import email
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from marketing_engine.brand import BrandProfile
from marketing_engine.claims import ClaimFinding, Evidence, check_claims
from marketing_engine.wording import count_words

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


@dataclass
class Page:
    path: str  # the URL path, e.g. /guides/cargo/
    kind: str  # the first path segment: guides, locations, compare…
    indexable: bool
    title: str
    text: str  # the article body a reader reads (no navigation, byline or footer)

    @property
    def words(self) -> int:
        return count_words(self.text)

    def sentences(self) -> list[str]:
        return [s.strip() for s in _SENTENCE.split(self.text) if count_words(s) >= 4]


@dataclass
class Audit:
    pages: list[Page] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    findings: list[tuple[str, ClaimFinding]] = field(
        default_factory=list
    )  # (page path, finding) on indexable pages

    @property
    def published(self) -> list[Page]:
        return [page for page in self.pages if page.indexable]

    def sentence_reuse(self) -> float:
        """The share of published pages' sentences that also appear on another published page."""
        per_page = [set(page.sentences()) for page in self.published]
        seen = Counter(sentence for sentences in per_page for sentence in sentences)
        total = sum(len(sentences) for sentences in per_page)
        reused = sum(1 for sentences in per_page for sentence in sentences if seen[sentence] > 1)
        return reused / total if total else 0.0

    def words_by_kind(self) -> dict[str, tuple[int, int, int]]:
        """Per page type: (published pages, held/noindex pages, median words of the published)."""
        kinds: dict[str, list[Page]] = defaultdict(list)
        for page in self.pages:
            kinds[page.kind].append(page)
        result = {}
        for kind, pages in sorted(kinds.items()):
            words = sorted(page.words for page in pages if page.indexable)
            median = words[len(words) // 2] if words else 0
            result[kind] = (len(words), len(pages) - len(words), median)
        return result

    def claim_counts(self) -> dict[str, int]:
        counts = Counter(finding.kind for _, finding in self.findings)
        return {kind: counts.get(kind, 0) for kind in ("numeral", "first_person", "testimonial")}

    def texts(self) -> Iterable[tuple[str, str]]:
        """Every reader-facing text with where it comes from, for vocabulary checks."""
        for page in self.pages:
            yield f"page {page.path}", f"{page.title}\n{page.text}"
        for index, text in enumerate(self.posts):
            yield f"post {index}", text
        for index, text in enumerate(self.captions):
            yield f"caption {index}", text
        for index, text in enumerate(self.emails):
            yield f"email {index}", text


def read_page(site: Path, file: Path) -> Page:
    from lxml import html

    tree = html.fromstring(file.read_bytes())
    robots = " ".join(tree.xpath("//meta[@name='robots']/@content")).lower()
    for template in tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' template ')]"):
        template.drop_tree()
    body = tree.xpath("//article") or tree.xpath("//main") or [tree]
    blocks = [
        " ".join(node.text_content().split())
        for node in body[0].xpath(".//h1|.//h2|.//h3|.//p|.//li|.//td|.//dd|.//dt")
    ]
    text = "\n".join(
        block if block.endswith((".", "!", "?", ":", "…")) else block + "." for block in blocks if block
    )
    path = "/" + file.parent.relative_to(site).as_posix().strip(".") + "/"
    path = re.sub(r"/+", "/", path)
    title = (tree.xpath("//title/text()") or [""])[0]
    kind = path.strip("/").split("/")[0] or "home"
    return Page(path, kind, "noindex" not in robots, title, text)


def _srt_text(file: Path) -> str:
    lines = file.read_text("utf-8").splitlines()
    return " ".join(line for line in lines if line and not line[0].isdigit())


def _post_text(file: Path) -> str:
    data = json.loads(file.read_text("utf-8"))
    parts = [str(data.get("text") or "")]
    parts += [
        str(item.get("text", item)) if isinstance(item, dict) else str(item)
        for item in data.get("thread") or []
    ]
    fields = data.get("fields") or {}
    parts += [
        str(value) for key, value in fields.items() if key in ("title", "description", "caption", "message")
    ]
    return "\n".join(part for part in parts if part)


def _email_text(file: Path) -> str:
    message = email.message_from_bytes(file.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    return f"{message['subject']}\n{body.get_content() if body else ''}"


class AuditError(ValueError):
    """The home cannot be audited against this brand."""


def home_brands(home: Path) -> list[str]:
    """The slugs of the brands whose marketing report is in `home` (what `make run` made there)."""
    suffix = "-marketing-report.html"
    return sorted(f.name[: -len(suffix)] for f in (home / "reports").glob(f"*{suffix}"))


def audit_home(home: Path, profile: BrandProfile) -> Audit:
    """Read back every page, post, caption and email in `home` and run the claims gate on published
    pages. A home made for another brand is refused: its pages would be judged by the wrong facts."""
    made_for = home_brands(home)
    if made_for and profile.slug not in made_for:
        raise AuditError(
            f"{home} holds what make run made for {', '.join(made_for)}, not {profile.slug}: "
            "pass that brand's file with --brand (or MARKETING_ENGINE_BRAND)"
        )
    result = Audit()
    site = home / "site"
    for file in sorted(site.rglob("index.html")) if site.is_dir() else []:
        result.pages.append(read_page(site, file))
    outbox = home / "outbox"
    for file in sorted(outbox.glob("*/*.json")) if outbox.is_dir() else []:
        result.posts.append(_post_text(file))
    for file in sorted(outbox.glob("email/*.eml")) if outbox.is_dir() else []:
        result.emails.append(_email_text(file))
    for file in sorted((home / "videos").glob("*/*.srt")):
        result.captions.append(_srt_text(file))
    base = Evidence(profile)
    for page in result.published:
        evidence = base.with_extra([page.title, page.path.replace("-", " ").replace("/", " ")])
        report = check_claims(page.text, profile, evidence)
        result.findings.extend((page.path, finding) for finding in report.findings)
    return result


def _audit_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from marketing_engine.brand import load_brand
    from marketing_engine.settings import brand_path, engine_home

    console = Console()
    profile = load_brand(args.brand or brand_path())
    try:
        result = audit_home(Path(args.home) if args.home else engine_home(), profile)
    except AuditError as exc:
        console.print(f"[red]audit: {exc}[/red]")
        return 2
    table = Table(title=f"{profile.name}: pages by type")
    for column in ("type", "published", "held (noindex)", "median words"):
        table.add_column(column)
    for kind, (published, held, median) in result.words_by_kind().items():
        table.add_row(kind, str(published), str(held), str(median))
    console.print(table)
    console.print(
        f"sentence reuse across published pages: {result.sentence_reuse():.1%}; "
        f"claims gate on published pages: {result.claim_counts()}; "
        f"{len(result.posts)} posts, {len(result.captions)} caption files, {len(result.emails)} emails"
    )
    for path, finding in result.findings[: args.show]:
        console.print(f"  {path}: {finding.kind} {finding.span!r} — {finding.sentence[:120]}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="read back a home's pages, posts, captions and emails; check claims"
    )
    parser.add_argument("--home", help="engine home (default: $MARKETING_ENGINE_HOME)")
    parser.add_argument("--brand", help="brand file (default: $MARKETING_ENGINE_BRAND or brand.example.yaml)")
    parser.add_argument("--show", type=int, default=10, help="how many findings to print")
    parser.set_defaults(func=_audit_command)
