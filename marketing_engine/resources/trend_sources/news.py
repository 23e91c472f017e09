"""News: RSS/Atom feeds read with feedparser over httpx (Google News topic search plus the brand's feeds).

`interest` is the number of the day's entries that mention every word of the topic; the
headlines are kept as the raw payload (topic briefs quote them). Feeds are fetched once per day
and shared by all topics; a feed that fails is skipped unless every feed fails.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from urllib.parse import quote_plus

import httpx

from marketing_engine.resources.http import ProviderError, send_with_retry
from marketing_engine.resources.trend_sources.base import reading
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError

# Google News in the audience's language and the brand's first region (hl=pt-PT, ceid=PT:pt).
GOOGLE_NEWS = (
    "https://news.google.com/rss/search?q={query}&hl={language}-{region}&gl={region}&ceid={region}:{language}"
)


class NewsTrendSource:
    name = "news"

    def __init__(
        self,
        feeds: tuple[str, ...] = (),
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
        google_news: bool = True,
        **retry,
    ):
        self._feeds = feeds
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=True)
        self._google_news = google_news
        self._retry = retry

    def _urls(self, request: FetchRequest) -> list[str]:
        region = request.regions[0] if request.regions else "US"
        urls = list(dict.fromkeys([*self._feeds, *request.feeds]))
        if self._google_news:
            urls += [
                GOOGLE_NEWS.format(query=quote_plus(f'"{t}"'), region=region, language=request.language)
                for t in request.topics
            ]
        return urls

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        import feedparser

        entries, errors = [], []
        urls = self._urls(request)
        for url in urls:
            try:
                response = send_with_retry(self._client, "GET", url, provider="news", **self._retry)
            except ProviderError as exc:
                errors.append(str(exc))
                continue
            parsed = feedparser.parse(response.content)
            if parsed.bozo and not parsed.entries:
                errors.append(f"{url}: not a feed ({type(parsed.bozo_exception).__name__})")
                continue
            entries += [e for e in parsed.entries if _published(e) == request.day]
        if urls and len(errors) == len(urls):
            raise TrendSourceError(self.name, "every feed failed: " + "; ".join(errors[:3]))
        readings = []
        for topic in request.topics:
            words = [w for w in topic.lower().replace("-", " ").split() if len(w) > 2]
            hits = {
                e.get("link", e.get("title")): e
                for e in entries
                if words and all(w in _text(e) for w in words)
            }
            headlines = [{"title": e.get("title", ""), "link": e.get("link", "")} for e in hits.values()]
            readings.append(
                reading(
                    self.name,
                    request.day,
                    topic,
                    float(len(hits)),
                    float(len(hits)),
                    {"headlines": headlines[:20]},
                )
            )
        return readings


def _published(entry):
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC).date() if stamp else None


def _text(entry) -> str:
    return f"{entry.get('title', '')} {entry.get('summary', '')}".lower().replace("-", " ")
