"""Quality gates run on the rendered HTML of the whole generated set, before anything is published.

Per page: title 10–60 characters, meta description 50–160, exactly one H1, alt text on every image,
the keyword in the title, the H1 and the first 100 words of the body; enough non-template text for
its page type (`THIN_WORDS`: a page the brand's facts cannot fill stays out of the index rather than
padded); Flesch reading ease inside the brand's band (syllables counted for the brand's language).
Across the set: no two pages above a similarity threshold (MinHash over 5-word shingles of the
non-template text, confirmed by exact Jaccard), no internal link to a path that is not built, every
page reachable from a hub. The claims gate's holds arrive as `claims:` failures (see `site.py`).

"Template text" is measured, not declared: a sentence that appears on at least 3 pages and on 30%
of the set is boilerplate and does not count as content.
"""

from __future__ import annotations

import re
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from marketing_engine.seo.keywords import tokens, word_set

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile
    from marketing_engine.claims import ClaimsReport

# A sentence ends at . ! ? or … followed by a space (not inside "example.com" or "4.5").
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
SIMILARITY_THRESHOLD = 0.5
# Words of non-template text a page needs to be worth indexing, by page type: its introduction and
# links (about 50 words) and at least two of the brand's facts (about 30 words each) — one for a
# location (address, phone and hours) or a direct answer. A page the facts cannot fill stays noindex.
THIN_WORDS = {"Location": 80, "Question": 80}
THIN_DEFAULT = 110
READING_EASE_BASE = {"pt": 248.835}
_BLOCKS = ".//h2|.//h3|.//h4|.//p|.//li|.//dt|.//dd"


@dataclass
class PageFacts:
    path: str
    keyword: str
    title: str
    meta_description: str
    h1s: list[str]
    body: str
    images_without_alt: int
    links: list[str]
    page_type: str = ""


@dataclass
class GateResult:
    path: str
    failures: list[str] = field(default_factory=list)
    words: int = 0
    content_words: int = 0
    reading_ease: float = 0.0
    max_similarity: float = 0.0
    similar_to: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "failures": self.failures,
            "words": self.words,
            "content_words": self.content_words,
            "reading_ease": round(self.reading_ease, 1),
            "max_similarity": round(self.max_similarity, 3),
            "similar_to": self.similar_to,
        }


def extract_facts(path: str, keyword: str, html: str, page_type: str = "") -> PageFacts:
    import lxml.html

    tree = lxml.html.fromstring(html)
    h1s = [" ".join(h.text_content().split()) for h in tree.xpath("//h1")]
    links = list(tree.xpath("//a/@href"))  # before template parts are dropped: their links count too
    meta = tree.xpath('//meta[@name="description"]/@content')
    return PageFacts(
        path=path,
        keyword=keyword,
        title=(tree.findtext(".//title") or "").strip(),
        meta_description=meta[0].strip() if meta else "",
        h1s=h1s,
        body=_article_body(tree),
        images_without_alt=len(tree.xpath("//img[not(@alt) or normalize-space(@alt)='']")),
        links=links,
        page_type=page_type,
    )


def page_body(html: str) -> str:
    """The article text of a rendered page as `extract_facts` reads it (template parts dropped)."""
    import lxml.html

    return _article_body(lxml.html.fromstring(html))


def _article_body(tree) -> str:
    article = tree.xpath("//article")
    if not article:
        return ""
    for node in article[0].xpath('.//*[contains(concat(" ", @class, " "), " template ")]'):
        node.drop_tree()
    for node in article[0].xpath(".//h1"):
        node.drop_tree()
    # each heading, paragraph and list item is its own unit of text, as a reader takes it
    blocks = [" ".join(node.text_content().split()) for node in article[0].xpath(_BLOCKS)]
    return " ".join(b if b.endswith((".", "!", "?", ":", "…")) else b + "." for b in blocks if b)


def reading_ease(text: str, language: str = "en") -> float:
    """Flesch reading ease with the language's own constant where textstat has none: Portuguese uses
    the Martins et al. (1996) adaptation, 248.835 instead of 206.835, same weights. Call after
    `textstat.set_lang` for the language's syllables."""
    import textstat

    return float(textstat.flesch_reading_ease(text)) - 206.835 + READING_EASE_BASE.get(language, 206.835)


def _has_keyword(keyword: str, text: str, language: str = "en") -> bool:
    return word_set(keyword, language) <= word_set(text, language)


def _sentences(body: str) -> list[str]:
    return [key for key in (" ".join(tokens(s)) for s in SENTENCE_END.split(body)) if key]


def _shingles(text: str, size: int = 5) -> set[str]:
    words = text.split()
    return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


NEIGHBOURS = 32  # earlier pages a page is compared with in one LSH bucket of many alike pages
CONFIRMED = 16  # candidates of a page confirmed by exact Jaccard, the likeliest first


class _NearDuplicates:
    """Near-duplicates among pages added in path order: each page's MinHash signature (64 values,
    512 bytes) is kept, the candidates are the earlier pages sharing an LSH band with it (the bands
    `datasketch.MinHashLSH` uses for a lower bar of 0.8 × the threshold, grouped with numpy once all
    pages are in), and a candidate is confirmed by exact Jaccard over the two pages' shingles, taken
    from a small cache or read again through `text_of`. No page's text or shingles stay in memory."""

    def __init__(self, text_of: Callable[[str], str], threshold: float, cache: int = 2048):
        from datasketch import MinHash, MinHashLSH

        self.text_of, self.threshold, self.cache_size = text_of, threshold, cache
        lsh = MinHashLSH(threshold=threshold * 0.8, num_perm=64)
        self.bands, self.rows = lsh.b, lsh.r
        template = MinHash(num_perm=64)  # every page's permutations are the same: made once
        self.permutations, self.scheme = template.permutations, template.scheme
        self.paths: list[str] = []
        self.signatures = array("Q")
        self.cache: OrderedDict[str, set[str]] = OrderedDict()

    def _shingles(self, path: str, text: str | None = None) -> set[str]:
        if path in self.cache:
            self.cache.move_to_end(path)
            return self.cache[path]
        found = _shingles(self.text_of(path) if text is None else text)
        self.cache[path] = found
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return found

    def add(self, path: str, text: str) -> None:
        from datasketch import MinHash

        minhash = MinHash(num_perm=64, permutations=self.permutations, scheme=self.scheme)
        minhash.update_batch([s.encode() for s in self._shingles(path, text)])
        self.paths.append(path)
        self.signatures.extend(minhash.hashvalues.astype("uint64").tolist())

    def _signatures(self):
        import numpy as np

        return np.frombuffer(self.signatures, dtype=np.uint64).reshape(len(self.paths), 64)

    def _buckets(self) -> list[tuple]:
        """Per LSH band: the pages ordered by bucket (ascending within one), each page's rank in that
        order and where its bucket starts — three integers a page and band, never the pairs."""
        import numpy as np

        signatures, buckets = self._signatures(), []
        for band in range(self.bands):
            columns = signatures[:, band * self.rows : (band + 1) * self.rows]
            group = np.unique(columns, axis=0, return_inverse=True)[1].ravel()
            order = np.argsort(group, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            starts = np.r_[0, np.flatnonzero(np.diff(group[order])) + 1]
            buckets.append((order, rank, starts[np.searchsorted(starts, rank, side="right") - 1]))
        return buckets

    @staticmethod
    def _earlier(page: int, buckets: list[tuple]) -> list[int]:
        """The earlier pages sharing a band with `page`: all of them in a bucket of up to
        NEIGHBOURS + 1 pages, else the NEIGHBOURS before it (a set of many alike pages would
        otherwise give every pair: work and memory with the square of its size)."""
        found: set[int] = set()
        for order, rank, start in buckets:
            found.update(
                order[max(int(start[page]), int(rank[page]) - NEIGHBOURS) : int(rank[page])].tolist()
            )
        return sorted(found)

    def _candidates(self) -> dict[int, list[int]]:
        buckets = self._buckets()
        found = {page: self._earlier(page, buckets) for page in range(len(self.paths))}
        return {page: others for page, others in found.items() if others}

    def found(self) -> dict[str, tuple[str, float]]:
        """Each page at or above the threshold with an earlier one: (the most similar, Jaccard);
        of equally similar pages the earliest in path order."""
        import numpy as np

        result, signatures, buckets = {}, self._signatures(), self._buckets()
        for page, path in enumerate(self.paths):
            others = self._earlier(page, buckets)
            if len(others) > CONFIRMED:  # the likeliest by their signatures' agreement, confirmed exactly
                agree = (signatures[others] == signatures[page]).sum(axis=1)
                others = sorted(np.array(others)[np.argsort(-agree, kind="stable")[:CONFIRMED]].tolist())
            best: tuple[str, float] | None = None
            for other in others:
                theirs, mine = self._shingles(self.paths[other]), self._shingles(path)
                jaccard = len(mine & theirs) / max(1, len(mine | theirs))
                if best is None or jaccard > best[1]:
                    best = (self.paths[other], jaccard)
            if best and best[1] >= self.threshold:
                result[path] = best
        return result


def near_duplicates(
    texts: dict[str, str], threshold: float = SIMILARITY_THRESHOLD
) -> dict[str, tuple[str, float]]:
    """For each page that is too similar to an earlier one (path order): (earlier path, Jaccard)."""
    finder = _NearDuplicates(texts.__getitem__, threshold)
    for path in sorted(texts):
        finder.add(path, texts[path])
    return finder.found()


def reachable(start: Iterable[str], links: dict[str, list[str]]) -> set[str]:
    seen, queue = set(start), deque(start)
    while queue:
        for target in links.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def evaluate(
    pages: Sequence[PageFacts],
    reading_band: tuple[float, float],
    built_paths: set[str],
    hub_links: dict[str, list[str]],
    threshold: float = SIMILARITY_THRESHOLD,
    language: str = "en",
    locale: str = "en_US",
) -> dict[str, GateResult]:
    """Gate results for every page. `hub_links`: hub (and home) path -> the paths it links to."""
    checker = SiteChecker(reading_band, built_paths, hub_links, threshold, language, locale)
    bodies = {}
    for page in pages:
        checker.add(page)
        bodies[page.path] = page.body
    return checker.finish(bodies.__getitem__)


class SiteChecker:
    """Every gate of `evaluate`, fed one page at a time so that a site of any size is checked in
    memory flat in its pages' text: `add` runs the gates a page needs alone and keeps only its
    sentences' hashes (for the boilerplate count) and internal links (for reachability); `finish`
    runs the gates across the set — boilerplate, thin content, near-duplicates, reachability —
    reading each page's body again through `body_of(path)`, one page at a time."""

    def __init__(
        self,
        reading_band: tuple[float, float],
        built_paths: set[str],
        hub_links: dict[str, list[str]],
        threshold: float = SIMILARITY_THRESHOLD,
        language: str = "en",
        locale: str = "en_US",
    ):
        import textstat

        textstat.set_lang(locale)
        self.band, self.built, self.hub_links = reading_band, built_paths, hub_links
        self.threshold, self.language = threshold, language
        self.results: dict[str, GateResult] = {}
        self.later: dict[str, list[str]] = {}  # path -> failures after the thin gate (reading ease)
        self.broken: dict[str, str] = {}
        self.links: dict[str, list[str]] = {}
        self.types: dict[str, str] = {}
        self.hashes = array("q")  # each page's distinct sentences, hashed, one after another
        self.added = 0
        self._paths: dict[str, str] = {}  # one string object per internal path however often linked

    def add(self, page: PageFacts) -> None:
        result = GateResult(page.path, words=len(page.body.split()))
        fail = result.failures.append
        if not 10 <= len(page.title) <= 60:
            fail(f"title is {len(page.title)} characters (10–60)")
        if not 50 <= len(page.meta_description) <= 160:
            fail(f"meta description is {len(page.meta_description)} characters (50–160)")
        if len(page.h1s) != 1:
            fail(f"{len(page.h1s)} H1 headings (exactly one)")
        if page.images_without_alt:
            fail(f"{page.images_without_alt} images without alt text")
        for where, text in (
            ("title", page.title),
            ("H1", " ".join(page.h1s)),
            ("first 100 words", " ".join(page.body.split()[:100])),
        ):
            if not _has_keyword(page.keyword, text, self.language):
                fail(f"keyword {page.keyword!r} missing from the {where}")
        low, high = self.band
        result.reading_ease = reading_ease(page.body, self.language) if page.body else 0.0
        self.later[page.path] = (
            [f"reading ease {result.reading_ease:.0f} outside the brand's band {low:.0f}–{high:.0f}"]
            if not low <= result.reading_ease <= high
            else []
        )
        internal = [self._paths.setdefault(t, t) for t in map(_internal, page.links) if t]
        self.links[page.path] = internal
        broken = sorted({h for h in internal if h not in self.built})
        self.broken[page.path] = f"broken internal links: {', '.join(broken[:5])}" if broken else ""
        self.types[page.path] = page.page_type
        self.hashes.extend({hash(sentence) for sentence in _sentences(page.body)})
        self.added += 1  # a path given twice counts twice towards boilerplate; its last result stands
        self.results[page.path] = result

    def finish(self, body_of: Callable[[str], str]) -> dict[str, GateResult]:
        """The set-wide gates, then every page's result (in the order the pages were added)."""
        import numpy as np

        hashes, counts = np.unique(np.frombuffer(self.hashes, dtype=np.int64), return_counts=True)
        floor = max(3, int(0.3 * self.added + 0.999))
        boilerplate = set(hashes[counts >= floor].tolist())
        self.hashes = array("q")

        def content(body: str) -> str:
            return " ".join(s for s in _sentences(body) if hash(s) not in boilerplate)

        finder = _NearDuplicates(lambda path: content(body_of(path)), self.threshold)
        for path in sorted(self.results):
            result, text = self.results[path], content(body_of(path))
            result.content_words = len(text.split())
            floor = THIN_WORDS.get(self.types[path], THIN_DEFAULT)
            if result.content_words < floor:
                result.failures.append(
                    f"thin: {result.content_words} words of non-template text (< {floor} for this page type)"
                )
            result.failures += self.later[path]
            finder.add(path, text)
        duplicates = finder.found()
        reached = reachable(self.hub_links, dict(self.hub_links) | self.links)
        for path, result in self.results.items():
            if match := duplicates.get(path):
                result.similar_to, result.max_similarity = match
                result.failures.append(
                    f"near-duplicate of {match[0]} (Jaccard {match[1]:.2f} ≥ {self.threshold})"
                )
            if self.broken[path]:
                result.failures.append(self.broken[path])
            if path not in reached:
                result.failures.append("not reachable from any hub page")
        return self.results


def _internal(href: str) -> str | None:
    """The site path of an internal link (root-relative), without fragment or query."""
    if not href.startswith("/") or href.startswith("//"):
        return None
    return href.split("#", 1)[0].split("?", 1)[0] or "/"


GATE_CATEGORIES = {
    "uniqueness": ("near-duplicate",),
    "thin": ("thin",),
    "readability": ("reading ease",),
    "keyword_placement": ("keyword",),
    "internal_links": ("broken internal links",),
    "reachability": ("not reachable",),
    "head_tags": ("title is", "meta description", "H1", "images without alt"),
    "claims": ("claims",),
}


SITE_GATES = {
    "uniqueness": "No two indexable pages above the MinHash/Jaccard similarity threshold.",
    "thin": "Every indexable page has the non-template words its page type needs (quality.THIN_WORDS).",
    "readability": "Flesch reading ease inside the brand file's band.",
    "keyword_placement": "Keyword in the title, H1 and first 100 words.",
    "internal_links": "No internal link points at a path the site does not serve.",
    "reachability": "Every indexable page is reachable from a topic hub.",
    "head_tags": "Title 10–60, meta description 50–160, one H1, alt text on images.",
    "claims": "No indexable page states a number, first-person claim or quote the brand file does not hold.",
}
"""What each gate of `GATE_CATEGORIES` asks of the site as written (one blocking asset check each)."""


def site_paths(site_dir: Path) -> set[str]:
    """Every path the built site serves (`/x/` for `x/index.html`, `/feed.xml` for files)."""
    paths = set()
    for file in site_dir.rglob("*"):
        if file.is_file():
            relative = file.relative_to(site_dir).as_posix()
            paths.add(
                "/" + relative.removesuffix("index.html")
                if relative.endswith("index.html")
                else "/" + relative
            )
    return paths


def audit_built_site(
    site_dir: Path,
    pages: dict[str, str],
    reading_band: tuple[float, float],
    page_types: dict[str, str] | None = None,
    profile: BrandProfile | None = None,
) -> dict[str, GateResult]:
    """Re-run every gate on the files as written, for the indexable pages (`path -> keyword`).
    Hubs are the home page, `/topics/` and every `/topics/<cluster>/` page found on disk. With the
    brand `profile`, the claims gate reads each page as a reader would (`audit.read_page`) and every
    untraceable claim is a `claims:` failure."""
    import lxml.html

    built = site_paths(site_dir)
    hub_links: dict[str, list[str]] = {}
    for path in sorted(p for p in built if p == "/" or p.startswith("/topics/")):
        if not path.endswith("/"):
            continue
        tree = lxml.html.fromstring((site_dir / path.lstrip("/") / "index.html").read_text(encoding="utf-8"))
        hub_links[path] = [t for t in map(_internal, tree.xpath("//a/@href")) if t]
    facts = []
    for path, keyword in sorted(pages.items()):
        file = site_dir / path.strip("/") / "index.html"
        html = file.read_text(encoding="utf-8") if file.is_file() else "<html><title></title></html>"
        facts.append(extract_facts(path, keyword, html, (page_types or {}).get(path, "")))
    language, locale = (profile.language, profile.babel_locale) if profile else ("en", "en_US")
    results = evaluate(facts, reading_band, built, hub_links, language=language, locale=locale)
    if profile is not None:
        for path, report in claims_on_site(site_dir, sorted(pages), profile).items():
            if not report.passed:
                results[path].failures.append(f"claims: {report.summary()}")
    return results


def claims_on_site(site_dir: Path, paths: Sequence[str], profile: BrandProfile) -> dict[str, ClaimsReport]:
    """The claims gate on built pages, read as `marketing-engine audit` reads them: the article text
    without template parts, with the page's title and path as its evidence."""
    from marketing_engine.audit import read_page
    from marketing_engine.claims import Evidence, check_claims

    base = Evidence(profile)
    reports = {}
    for path in paths:
        file = site_dir / path.strip("/") / "index.html"
        if not file.is_file():
            continue
        page = read_page(site_dir, file)
        evidence = base.with_extra([page.title, page.path.replace("-", " ").replace("/", " ")])
        reports[path] = check_claims(page.text, profile, evidence)
    return reports


def failures_in(results: dict[str, GateResult], category: str) -> dict[str, list[str]]:
    prefixes = GATE_CATEGORIES[category]
    found = {}
    for path, result in results.items():
        hits = [f for f in result.failures if any(f.startswith(p) or p in f.split(":")[0] for p in prefixes)]
        if hits:
            found[path] = hits
    return found
