"""Finding creators and communities on the brand's topics.

Real clients: YouTube Data API v3 (`search.list` type=channel, then `channels.list` statistics) and
X API v2 recent search (posts by topic with author metrics), each through its platform's client
(`marketing_engine.resources.platforms`); Reddit subreddits through `praw`; Discord servers through
the public invite endpoint (`GET /api/v10/invites/{code}?with_counts=true`). Offline: a seeded
simulator of creators and communities per topic.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import httpx
from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.resources.http import ProviderError, json_object, send_with_retry
from marketing_engine.resources.platforms.google import YouTubeDataClient
from marketing_engine.resources.platforms.reddit import RedditApi
from marketing_engine.resources.platforms.reddit import settings as reddit_settings
from marketing_engine.resources.platforms.x import XApi
from marketing_engine.resources.platforms.x import settings as x_settings
from marketing_engine.wording import frames


@dataclass(frozen=True)
class Creator:
    platform: str
    handle: str
    name: str
    description: str
    followers: int
    engagement_rate: float

    @property
    def contact_email(self) -> str | None:
        """Creators put a business address in their channel or profile description."""
        found = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", self.description)
        return found.group(0).lower() if found else None


@dataclass(frozen=True)
class CommunityInfo:
    platform: str
    name: str
    url: str
    description: str
    members: int
    activity_per_day: float | None
    online: int | None = None


class YouTubeClient:
    def __init__(self, api_key: str, client: httpx.Client | None = None):
        self.api = YouTubeDataClient(api_key, client=client)

    def channels_for(self, topic: str, max_results: int = 10) -> list[Creator]:
        search = self.api.get("search", part="snippet", type="channel", q=topic, maxResults=max_results)
        ids = [
            item.get("id", {}).get("channelId") or item.get("snippet", {}).get("channelId")
            for item in search.get("items", [])
        ]
        ids = [i for i in ids if i]
        if not ids:
            return []
        channels = self.api.get("channels", part="snippet,statistics", id=",".join(ids))
        creators = []
        for item in channels.get("items", []):
            stats, snippet = item.get("statistics", {}), item.get("snippet", {})
            subscribers = int(stats.get("subscriberCount", 0) or 0)
            videos, views = int(stats.get("videoCount", 0) or 0), int(stats.get("viewCount", 0) or 0)
            # Views per video over subscribers: how much of the audience turns up for each upload.
            rate = (views / videos) / subscribers if subscribers and videos else 0.0
            creators.append(
                Creator(
                    "youtube",
                    snippet.get("customUrl") or item["id"],
                    snippet.get("title", ""),
                    snippet.get("description", ""),
                    subscribers,
                    round(rate, 4),
                )
            )
        return creators


class XClient:
    def __init__(self, bearer_token: str, client: httpx.Client | None = None):
        self.api = XApi(bearer_token, client=client)

    def authors_for(self, topic: str, max_results: int = 50) -> list[Creator]:
        body = self.api.get_json(
            x_settings.RECENT_SEARCH_URL,
            params={
                "query": f'"{topic}" -is:retweet lang:en',
                "max_results": max(10, min(100, max_results)),
                "tweet.fields": "public_metrics,author_id",
                "expansions": "author_id",
                "user.fields": "public_metrics,username,name,description",
            },
        )
        users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
        engagements: dict[str, list[float]] = defaultdict(list)
        for post in body.get("data", []):
            user = users.get(post.get("author_id"))
            if not user:
                continue
            followers = user.get("public_metrics", {}).get("followers_count", 0)
            m = post.get("public_metrics", {})
            total = sum(m.get(k, 0) for k in ("like_count", "retweet_count", "reply_count", "quote_count"))
            engagements[user["id"]].append(total / followers if followers else 0.0)
        return [
            Creator(
                "x",
                users[uid]["username"],
                users[uid].get("name", ""),
                users[uid].get("description", ""),
                users[uid].get("public_metrics", {}).get("followers_count", 0),
                round(sum(rates) / len(rates), 4),
            )
            for uid, rates in engagements.items()
        ]


class DiscordInvites:
    BASE = "https://discord.com/api/v10"

    def __init__(self, client: httpx.Client | None = None):
        self.client = client or httpx.Client(timeout=30)

    @staticmethod
    def code(invite: str) -> str:
        """The invite code of `https://discord.gg/CODE`, `discord.com/invite/CODE` or a bare `CODE`."""
        value = invite.strip().rstrip("/")
        found = re.fullmatch(
            r"(?:https?://)?(?:discord\.gg|(?:www\.)?discord(?:app)?\.com/invite)/([A-Za-z0-9-]+)", value
        ) or re.fullmatch(r"([A-Za-z0-9-]+)", value)
        if not found:
            raise ValueError(f"discord invite {invite!r}: not an invite link or code")
        return found.group(1)

    def server(self, invite: str) -> CommunityInfo:
        code = self.code(invite)
        body = json_object(
            send_with_retry(
                self.client,
                "GET",
                f"{self.BASE}/invites/{code}",
                provider="discord",
                params={"with_counts": "true"},
            ),
            "discord",
        )
        guild = body.get("guild") or {}
        if "approximate_member_count" not in body:
            raise ProviderError("discord", f"invite {code}: no member counts in the response")
        return CommunityInfo(
            "discord",
            guild.get("name", code),
            f"https://discord.gg/{code}",
            guild.get("description") or "",
            int(body["approximate_member_count"]),
            None,
            int(body.get("approximate_presence_count", 0)),
        )


class RedditCommunities:
    def __init__(self, reddit):
        self.reddit = reddit

    def _info(self, subreddit) -> CommunityInfo:
        posts = list(subreddit.new(limit=25))
        activity = None
        if len(posts) >= 2:
            span_days = (posts[0].created_utc - posts[-1].created_utc) / 86400
            activity = round(len(posts) / span_days, 2) if span_days > 0 else float(len(posts))
        return CommunityInfo(
            "reddit",
            subreddit.display_name,
            f"https://www.reddit.com/r/{subreddit.display_name}",
            subreddit.public_description or "",
            int(subreddit.subscribers or 0),
            activity,
        )

    def for_topic(self, topic: str, limit: int = 5) -> list[CommunityInfo]:
        return [self._info(s) for s in self.reddit.subreddits.search(topic, limit=limit)]

    def named(self, name: str) -> CommunityInfo:
        return self._info(self.reddit.subreddit(name))


def _ascii_name(text: str) -> str:
    """A handle or subreddit name (ASCII letters and digits only) from any text: `Café à Noite`
    → `CafeANoite`."""
    from text_unidecode import unidecode

    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", unidecode(text)))


def simulated_creators(topics: Sequence[str], seed: int = 0, language: str = "en") -> list[Creator]:
    """Three channels and three X authors per topic, named after it in the brand's language, plus one
    creator on a subject no brand is about (for the relevance score to turn down)."""
    words = frames("outreach", language)["discovery"]
    rng = random.Random(f"creators|{seed}|{'|'.join(topics)}")
    creators = []
    for topic in topics:
        stem = _ascii_name(topic).lower()[:14]
        for platform in ("youtube", "x"):
            for n, suffix in enumerate(words["creator_suffixes"][:3]):
                followers = int(rng.lognormvariate(9.5, 1.3))
                rate = rng.uniform(0.05, 0.9) if platform == "youtube" else rng.uniform(0.001, 0.06)
                handle = f"{stem}{_ascii_name(suffix).lower()}"
                description = words["creator_description"].format(topic=topic)
                if n == 0:
                    description += " " + words["creator_business"].format(email=f"hello@{handle}.example")
                creators.append(
                    Creator(
                        platform,
                        handle,
                        f"{topic[:1].upper()}{topic[1:]} {suffix}",
                        description,
                        followers,
                        round(rate, 4),
                    )
                )
    other = words["off_topic_creator"]
    creators.append(Creator("youtube", other["handle"], other["name"], other["description"], 250000, 0.4))
    return creators


def _simulated_subreddit(
    name: str, description: str, rng: random.Random, size: float, spread: float, activity: tuple[float, float]
) -> CommunityInfo:
    """A subreddit whose members are log-normal around e^`size` and posts per day uniform in `activity`."""
    members = int(rng.lognormvariate(size, spread))
    return CommunityInfo(
        "reddit",
        name,
        f"https://www.reddit.com/r/{name}",
        description,
        members,
        round(rng.uniform(*activity), 1),
    )


def simulated_communities(
    topics: Sequence[str], named: Sequence[str], invites: Sequence[str], seed: int = 0, language: str = "en"
) -> list[CommunityInfo]:
    words = frames("outreach", language)["discovery"]
    rng = random.Random(f"communities|{seed}|{'|'.join(topics)}")
    found = [
        _simulated_subreddit(name, words["named_community"].format(name=name), rng, 11, 1.2, (2, 120))
        for name in named
    ]
    for topic in topics:
        name = _ascii_name(topic) or "community"
        description = words["community_description"].format(topic=topic)
        found.append(_simulated_subreddit(name, description, rng, 9, 1.0, (0.5, 40)))
    for invite in invites:
        code = DiscordInvites.code(invite)
        found.append(
            CommunityInfo(
                "discord",
                code.replace("-", " ").title(),
                f"https://discord.gg/{code}",
                words["discord_server"].format(code=code),
                int(rng.lognormvariate(8, 1)),
                None,
                int(rng.uniform(20, 400)),
            )
        )
    return found


def _gather(
    calls: Sequence[Callable[[], list]],
    found: list,
    errors: list[str],
    failures: tuple[type[Exception], ...] = (ProviderError,),
) -> None:
    """Run each call, adding what it finds; a call that fails adds its error and the rest go on."""
    for call in calls:
        try:
            found += call()
        except failures as exc:
            errors.append(str(exc))


class SocialDiscoveryResource(ConfigurableResource):
    backend: Literal["simulator", "live"] = "simulator"
    youtube_api_key: str | None = Field(default=None, description="EnvVar('YOUTUBE_API_KEY').")
    x_bearer_token: str | None = Field(default=None, description="EnvVar('X_BEARER_TOKEN').")
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = Field(default=None, description="EnvVar('REDDIT_CLIENT_SECRET').")
    reddit_user_agent: str = reddit_settings.DISCOVERY_USER_AGENT
    seed: int = 0

    def creators(self, topics: Sequence[str], language: str = "en") -> tuple[list[Creator], list[str]]:
        """Creators per topic from every configured platform, and the errors of those that failed."""
        if self.backend == "simulator":
            return simulated_creators(topics, self.seed, language), []
        found, errors = [], []
        clients = []
        if self.youtube_api_key:
            clients.append(YouTubeClient(self.youtube_api_key).channels_for)
        if self.x_bearer_token:
            clients.append(XClient(self.x_bearer_token).authors_for)
        _gather([partial(client, topic) for topic in topics for client in clients], found, errors)
        return found, errors

    def communities(
        self, topics: Sequence[str], named: Sequence[str], invites: Sequence[str], language: str = "en"
    ) -> tuple[list[CommunityInfo], list[str]]:
        if self.backend == "simulator":
            return simulated_communities(topics, named, invites, self.seed, language), []
        found, errors = [], []
        if self.reddit_client_id and self.reddit_client_secret:
            from praw.exceptions import PRAWException

            api = RedditApi(
                self.reddit_client_id, self.reddit_client_secret, user_agent=self.reddit_user_agent
            )
            reddit = RedditCommunities(api.reddit)
            try:
                found += [api.read(lambda name=name: reddit.named(name)) for name in named]
                for topic in topics:
                    found += api.read(lambda topic=topic: reddit.for_topic(topic))
            except ProviderError as exc:
                errors.append(str(exc))
            except PRAWException as exc:
                errors.append(f"reddit: {type(exc).__name__}: {exc}")
        discord = DiscordInvites()
        calls = [partial(lambda i: [discord.server(i)], invite) for invite in invites]
        _gather(calls, found, errors, (ProviderError, ValueError))  # ValueError: not an invite link
        return found, errors


def social_discovery_from_env(environ: dict[str, str] | None = None) -> SocialDiscoveryResource:
    """Live discovery with whichever platform credentials are in the environment (names only are read
    here; values go through EnvVar). Discord invites need no credential."""
    import os

    from dagster import EnvVar

    env = os.environ if environ is None else environ
    config: dict = {"backend": "live"}
    if env.get("YOUTUBE_API_KEY"):
        config["youtube_api_key"] = EnvVar("YOUTUBE_API_KEY")
    if env.get("X_BEARER_TOKEN"):
        config["x_bearer_token"] = EnvVar("X_BEARER_TOKEN")
    if env.get("REDDIT_CLIENT_ID") and env.get("REDDIT_CLIENT_SECRET"):
        config["reddit_client_id"] = EnvVar("REDDIT_CLIENT_ID")
        config["reddit_client_secret"] = EnvVar("REDDIT_CLIENT_SECRET")
    return SocialDiscoveryResource(**config)
