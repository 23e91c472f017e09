"""Reddit (praw) at the HTTP layer with `responses`: OAuth token, search listing, 429, 401, malformed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import responses

from marketing_engine.resources.trend_sources.reddit import RedditTrendSource
from marketing_engine.trends.readings import FetchRequest, TrendSourceError

DAY = date(2026, 5, 4)
TOKEN = "https://www.reddit.com/api/v1/access_token"
SEARCH = "https://oauth.reddit.com/r/ebikes+bikecommuting/search/"
REQUEST = FetchRequest(day=DAY, topics=("cargo e-bike",), communities=("ebikes", "bikecommuting"))
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC).timestamp()


def post(post_id: str, created: float, comments: int) -> dict:
    return {
        "kind": "t3",
        "data": {
            "id": post_id,
            "name": f"t3_{post_id}",
            "title": f"post {post_id}",
            "created_utc": created,
            "num_comments": comments,
            "subreddit": "ebikes",
        },
    }


def listing(*children) -> dict:
    return {"kind": "Listing", "data": {"after": None, "dist": len(children), "children": list(children)}}


@pytest.fixture
def token():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            TOKEN, json={"access_token": "abc", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        )
        yield mock


def test_counts_the_days_posts_and_their_comments(token):
    token.get(
        SEARCH, json=listing(post("a", NOON, 12), post("b", NOON + 3600, 30), post("c", NOON - 3 * 86400, 99))
    )
    [reading] = RedditTrendSource("id", "secret", "ua").fetch(REQUEST)
    assert (reading.interest, reading.volume) == (2.0, 42.0)
    search = token.calls[1].request
    assert search.headers["Authorization"] == "bearer abc"
    assert "q=%22cargo+e-bike%22" in search.url and "t=week" in search.url and "sort=new" in search.url


def test_rate_limit_names_the_reset(token):
    token.get(
        SEARCH,
        status=429,
        json={"message": "Too Many Requests", "error": 429},
        headers={"x-ratelimit-reset": "412", "x-ratelimit-remaining": "0", "x-ratelimit-used": "100"},
    )
    with pytest.raises(TrendSourceError, match=r"rate limited for 'cargo e-bike' \(resets in 412 s\)"):
        RedditTrendSource("id", "secret", "ua").fetch(REQUEST)


def test_bad_credentials_are_named():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN, status=401, json={"message": "Unauthorized", "error": 401})
        with pytest.raises(
            TrendSourceError, match="reddit: 'cargo e-bike': (ResponseException|OAuthException)"
        ):
            RedditTrendSource("id", "wrong", "ua").fetch(REQUEST)


def test_malformed_listing_is_named(token):
    token.get(SEARCH, json={"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "x"}}]}})
    with pytest.raises(TrendSourceError, match="malformed listing"):
        RedditTrendSource("id", "secret", "ua").fetch(REQUEST)
