"""Page briefs: which pages a cluster gets, and how they link to each other.

Six page types (those of the original Marketing Domination Engine), chosen from the keyword's
pattern first and its intent second (the words are the brand language's, `data/frames/seo`):
- Location: names one of the brand's cities;
- Comparison: "vs", "versus", "compare", "alternatives";
- Question: starts with a question word or phrase;
- Service: transactional or commercial intent (the searcher wants to buy, book or pick a product);
- Guide: informational how-to, tips, checklist, guide, step-by-step;
- Blog: any other informational keyword.
One brief per cluster and page type, for the most central keyword of that type. Internal links:
every spoke links to its hub, the hub links to its spokes, and spokes link to 1–2 siblings; each page
gets 3–5 links (topped up from neighbouring clusters' hubs when a cluster is small). Paths are
transliterated slugs (`/perguntas/o-que-e-cafe-atlantico/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from marketing_engine.brand import slug
from marketing_engine.seo.intent import is_question
from marketing_engine.seo.keywords import tokens
from marketing_engine.wording import frames

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile

PAGE_TYPES = ("Location", "Service", "Comparison", "Question", "Guide", "Blog")
LONG_FORM = frozenset({"Guide", "Blog", "Service"})


def page_type_for(keyword: str, intent: str, cities: Sequence[str], language: str = "en") -> str:
    words = tokens(keyword)
    text = " " + " ".join(words) + " "
    rule = frames("seo", language)["pages"]
    if any(f" {' '.join(tokens(city))} " in text for city in cities):
        return "Location"
    if any(w in rule["comparison_words"] for w in words):
        return "Comparison"
    if is_question(keyword, language):
        return "Question"
    if intent in ("transactional", "commercial"):
        return "Service"
    if any(w in rule["guide_words"] for w in words):
        return "Guide"
    return "Blog"


def page_path(page_type: str, keyword: str, language: str = "en") -> str:
    section = frames("seo", language)["pages"]["sections"][page_type]
    return f"/{slug(section)}/{slug(keyword) or 'page'}/"


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
    ai_gaps: list[str] = field(default_factory=list)  # questions AI assistants answer without the brand

    def as_dict(self) -> dict:
        return asdict(self)

    def preview(self) -> dict:
        """The brief with its link count, as the asset's preview lists it."""
        return self.as_dict() | {"links": len(self.links)}


@dataclass(frozen=True)
class ClusterInput:
    slug: str
    name: str
    hub: str
    members: Sequence[tuple[str, str]]  # (keyword, intent), most central first


def cluster_briefs(cluster: ClusterInput, cities: Sequence[str], language: str = "en") -> list[PageBrief]:
    """One brief per page type present in the cluster, for its most central keyword."""
    chosen: dict[str, tuple[str, str]] = {}
    for keyword, intent in cluster.members:
        chosen.setdefault(page_type_for(keyword, intent, cities, language), (keyword, intent))
    keywords = [k for k, _ in cluster.members]
    targets = {keyword for keyword, _ in chosen.values()}
    questions = [k for k in keywords if is_question(k, language) and k not in targets]
    types = [t for t in PAGE_TYPES if t in chosen]
    briefs = []
    for index, page_type in enumerate(types):
        keyword, intent = chosen[page_type]
        path = page_path(page_type, keyword, language)
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
                # the cluster's questions are shared out, so no two of its pages answer the same one
                questions=questions[index :: len(types)][:5],
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
        # a sibling whose keyword is the hub's own name would read as the same link twice
        others = [
            o for o in briefs[index + 1 :] + briefs[:index] if o.keyword.casefold() != hub.anchor.casefold()
        ]
        links += [Link(o.path, o.keyword) for o in others[:2]]
        for neighbour in neighbour_hubs:
            if len(links) >= low:
                break
            if neighbour.url != hub.url:
                links.append(neighbour)
        brief.links = links[:high]


@dataclass(frozen=True)
class StoredCluster:
    """A keyword cluster as the warehouse keeps it (`content_clusters`)."""

    id: int
    slug: str
    name: str
    hub_keyword: str


def find_cluster(clusters: Sequence[StoredCluster], cluster_slug: str) -> StoredCluster:
    """The cluster of a partition key; a key whose cluster is gone is refused by name."""
    for cluster in clusters:
        if cluster.slug == cluster_slug:
            return cluster
    raise ValueError(f"keyword cluster {cluster_slug!r} is not in the warehouse; re-run keyword_clusters")


def plan_cluster(
    cluster: StoredCluster,
    members: Sequence[tuple[str, str]],
    clusters: Sequence[StoredCluster],
    profile: BrandProfile,
) -> list[PageBrief]:
    """The cluster's briefs with their links, for the brand's cities and language; `clusters`
    (largest first) gives the up to six neighbouring hubs that top up a small cluster's links."""
    cities, language = [loc.city for loc in profile.locations], profile.language
    index = list(clusters).index(cluster)
    neighbours = [
        Link(hub_path(c.slug), c.name)
        for c in [*clusters[index + 1 : index + 4], *clusters[max(0, index - 3) : index]]
    ]
    plan = cluster_briefs(
        ClusterInput(cluster.slug, cluster.name, cluster.hub_keyword, members), cities, language
    )
    plan_links(plan, neighbours)
    return plan


def aim_at_gaps(plan: Sequence[PageBrief], gaps: Sequence[str], profile: BrandProfile, most: int = 3) -> int:
    """Point briefs at the questions AI assistants answer naming competitors but not the brand
    (`visibility.store.gap_questions`): each brief takes up to `most` gap questions that share a
    content word with its keyword, hub or related searches (words the whole trade shares do not
    count), as questions its FAQ answers where the facts allow. Returns how many briefs took one."""
    from marketing_engine.publishing.copy import common_words, topic_words

    language, trade = profile.language, common_words(profile)
    aimed = 0
    for brief in plan:
        about = topic_words(" ".join([brief.keyword, brief.hub_keyword, *brief.siblings]), language) - trade
        taken = [q for q in gaps if topic_words(q, language) & about and q not in brief.questions][:most]
        if taken:
            brief.ai_gaps = taken
            brief.questions = [*brief.questions, *taken]
            aimed += 1
    return aimed
