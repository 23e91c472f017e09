"""Page briefs: which pages a cluster gets, and how they link to each other.

Six page types (those of the original Marketing Domination Engine), chosen from the keyword's
pattern first and its intent second:
- Location: names one of the brand's cities;
- Comparison: "vs", "versus", "compare", "alternatives";
- Question: starts with a question word;
- Service: transactional or commercial intent (the searcher wants to buy, book or pick a product);
- Guide: informational how-to, tips, checklist, guide, step-by-step;
- Blog: any other informational keyword.
One brief per cluster and page type, for the most central keyword of that type. Internal links:
every spoke links to its hub, the hub links to its spokes, and spokes link to 1–2 siblings; each page
gets 3–5 links (topped up from neighbouring clusters' hubs when a cluster is small).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from slugify import slugify

from marketing_engine.seo.intent import QUESTION_STARTS
from marketing_engine.seo.keywords import tokens

PAGE_TYPES = ("Location", "Service", "Comparison", "Question", "Guide", "Blog")
LONG_FORM = frozenset({"Guide", "Blog", "Service"})
_COMPARISON = ("vs", "versus", "compare", "compared", "comparison", "alternative", "alternatives")
_GUIDE = ("how", "tips", "guide", "checklist", "step", "steps", "explained", "beginners", "mistakes")


def page_type_for(keyword: str, intent: str, cities: Sequence[str]) -> str:
    words = tokens(keyword)
    text = " " + " ".join(words) + " "
    if any(f" {' '.join(tokens(city))} " in text for city in cities):
        return "Location"
    if any(w in _COMPARISON for w in words):
        return "Comparison"
    if words and words[0] in QUESTION_STARTS:
        return "Question"
    if intent in ("transactional", "commercial"):
        return "Service"
    if any(w in _GUIDE for w in words):
        return "Guide"
    return "Blog"


def page_path(page_type: str, keyword: str) -> str:
    section = {
        "Location": "locations",
        "Service": "services",
        "Comparison": "compare",
        "Question": "answers",
        "Guide": "guides",
        "Blog": "blog",
    }[page_type]
    return f"/{section}/{slugify(keyword, max_length=80, word_boundary=True)}/"


def hub_path(cluster_slug: str) -> str:
    return f"/topics/{cluster_slug}/"


@dataclass
class Link:
    url: str
    anchor: str


@dataclass
class PageBrief:
    slug: str
    path: str
    page_type: str
    keyword: str
    intent: str
    cluster_slug: str
    cluster_name: str
    hub_keyword: str
    siblings: list[str]
    questions: list[str]
    links: list[Link] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ClusterInput:
    slug: str
    name: str
    hub: str
    members: Sequence[tuple[str, str]]  # (keyword, intent), most central first


def cluster_briefs(cluster: ClusterInput, cities: Sequence[str]) -> list[PageBrief]:
    """One brief per page type present in the cluster, for its most central keyword."""
    chosen: dict[str, tuple[str, str]] = {}
    for keyword, intent in cluster.members:
        chosen.setdefault(page_type_for(keyword, intent, cities), (keyword, intent))
    keywords = [k for k, _ in cluster.members]
    questions = [k for k in keywords if tokens(k) and tokens(k)[0] in QUESTION_STARTS]
    briefs = []
    for page_type in PAGE_TYPES:
        if page_type not in chosen:
            continue
        keyword, intent = chosen[page_type]
        path = page_path(page_type, keyword)
        briefs.append(
            PageBrief(
                slug=path.strip("/").replace("/", "-"),
                path=path,
                page_type=page_type,
                keyword=keyword,
                intent=intent,
                cluster_slug=cluster.slug,
                cluster_name=cluster.name,
                hub_keyword=cluster.hub,
                siblings=[k for k in keywords if k != keyword][:12],
                questions=[q for q in questions if q != keyword][:6],
            )
        )
    return briefs


def plan_links(
    briefs: list[PageBrief], neighbour_hubs: Sequence[Link] = (), low: int = 3, high: int = 5
) -> None:
    """Fill `links` on each brief of one cluster: hub, 1–2 siblings, then neighbouring hubs."""
    if not briefs:
        return
    hub = Link(hub_path(briefs[0].cluster_slug), briefs[0].cluster_name)
    for index, brief in enumerate(briefs):
        links = [hub]
        others = briefs[index + 1 :] + briefs[:index]
        links += [Link(o.path, o.keyword) for o in others[:2]]
        for neighbour in neighbour_hubs:
            if len(links) >= low:
                break
            if neighbour.url != hub.url:
                links.append(neighbour)
        brief.links = links[:high]
