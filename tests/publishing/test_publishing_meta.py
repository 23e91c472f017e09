"""Facebook Pages, Instagram and Threads through the Graph API at the HTTP layer (respx): the
container → status → publish flow, rate limits and expired tokens as Graph error codes."""

from __future__ import annotations

import httpx
import pytest
import respx

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishError, PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.base import TokenExpired
from marketing_engine.resources.publishers.facebook import FacebookPublisher
from marketing_engine.resources.publishers.instagram import InstagramPublisher
from marketing_engine.resources.publishers.threads import ThreadsPublisher
from publishing.platform_helpers import no_sleep, outgoing, sent_form

GRAPH = "https://graph.facebook.com/v21.0"
THREADS = "https://graph.threads.net/v1.0"
TEXT = outgoing(
    "facebook", "Spring tune-ups are open", link_url="https://k.example/service?utm_source=facebook"
)
REEL = outgoing(
    "instagram",
    "Cargo e-bike in 30 s #ebike",
    id=2,
    key="b" * 32,
    media_keys=("ab/ab.mp4",),
    payload={"media": [{"key": "ab/ab.mp4", "kind": "video"}]},
)


def _page(*items: dict) -> httpx.Response:
    """A Graph API list answer: one page of `items` under "data"."""
    return httpx.Response(200, json={"data": list(items)})


def _graph_error(code: int, message: str, status: int = 400) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}},
    )


@respx.mock
def test_facebook_feed_post_and_graph_error_codes() -> None:
    feed = respx.post(f"{GRAPH}/123/feed").mock(return_value=httpx.Response(200, json={"id": "123_456"}))
    publisher = FacebookPublisher("123", "page-token", sleep=no_sleep)
    result = publisher.publish(TEXT)
    assert result.post_id == "123_456" and result.url == "https://www.facebook.com/123_456"
    form = sent_form(feed)
    assert form == {"message": TEXT.body, "link": TEXT.link_url, "access_token": "page-token"}
    feed.mock(return_value=_graph_error(4, "Application request limit reached"))
    with pytest.raises(RateLimited, match="Application request limit reached"):
        publisher.publish(TEXT)
    feed.mock(return_value=_graph_error(190, "Error validating access token: Session has expired"))
    with pytest.raises(TokenExpired, match="Session has expired"):
        publisher.publish(TEXT)
    feed.mock(
        return_value=_graph_error(
            2, "An unexpected error has occurred. Please retry your request later.", 500
        )
    )
    with pytest.raises(AmbiguousPublish):
        publisher.publish(TEXT)
    feed.mock(return_value=_graph_error(100, "Invalid parameter"))
    with pytest.raises(PublishRejected, match="Invalid parameter"):
        publisher.publish(TEXT)


@respx.mock
def test_facebook_timeout_after_acceptance_is_found_in_the_feed() -> None:
    create = respx.post(f"{GRAPH}/123/feed").mock(side_effect=httpx.ReadTimeout("timed out"))
    respx.get(f"{GRAPH}/123/feed").mock(
        return_value=_page(
            {
                "id": "123_789",
                "message": TEXT.body,
                "created_time": "2027-01-04T16:00:00+0000",
                "permalink_url": "https://www.facebook.com/123/posts/789",
            }
        )
    )
    result = deliver(FacebookPublisher("123", "t", sleep=no_sleep), TEXT, sleep=no_sleep)
    assert result.post_id == "123_789" and create.call_count == 1


@respx.mock
def test_instagram_reel_container_is_polled_then_published() -> None:
    container = respx.post(f"{GRAPH}/17841/media").mock(return_value=httpx.Response(200, json={"id": "c1"}))
    status = respx.get(f"{GRAPH}/c1").mock(
        side_effect=[
            httpx.Response(200, json={"status_code": "IN_PROGRESS", "id": "c1"}),
            httpx.Response(200, json={"status_code": "FINISHED", "id": "c1"}),
        ]
    )
    publish = respx.post(f"{GRAPH}/17841/media_publish").mock(
        return_value=httpx.Response(200, json={"id": "m1"})
    )
    respx.get(f"{GRAPH}/m1").mock(
        return_value=httpx.Response(200, json={"permalink": "https://www.instagram.com/reel/X/"})
    )
    naps: list[float] = []
    publisher = InstagramPublisher(
        "17841", "t", media_base_url="https://cdn.k.example/media/", sleep=naps.append, poll_seconds=3
    )
    result = publisher.publish(REEL)
    assert (result.post_id, result.url) == ("m1", "https://www.instagram.com/reel/X/")
    form = sent_form(container)
    assert form["media_type"] == "REELS" and form["video_url"] == "https://cdn.k.example/media/ab/ab.mp4"
    assert form["caption"] == REEL.body
    assert "creation_id=c1" in publish.calls.last.request.content.decode()
    assert status.call_count == 2 and naps == [3]


@respx.mock
def test_instagram_failed_container_and_text_only_post_are_refused() -> None:
    respx.post(f"{GRAPH}/17841/media").mock(return_value=httpx.Response(200, json={"id": "c2"}))
    respx.get(f"{GRAPH}/c2").mock(
        return_value=httpx.Response(200, json={"status_code": "ERROR", "status": "Error: 2207026"})
    )
    publisher = InstagramPublisher("17841", "t", media_base_url="https://cdn.k.example", sleep=no_sleep)
    with pytest.raises(PublishRejected, match="container c2 ERROR: Error: 2207026"):
        publisher.publish(REEL)
    with pytest.raises(PublishRejected, match="needs an image or a video"):
        publisher.publish(TEXT)


@respx.mock
def test_threads_text_post_with_token_refresh() -> None:
    container = respx.post(f"{THREADS}/99/threads").mock(
        side_effect=[
            _graph_error(190, "Error validating access token"),
            httpx.Response(200, json={"id": "tc1"}),
        ]
    )
    refresh = respx.get("https://graph.threads.net/refresh_access_token").mock(
        return_value=httpx.Response(
            200, json={"access_token": "long-2", "token_type": "bearer", "expires_in": 5183944}
        )
    )
    respx.post(f"{THREADS}/99/threads_publish").mock(return_value=httpx.Response(200, json={"id": "t1"}))
    respx.get(f"{THREADS}/t1").mock(
        return_value=httpx.Response(200, json={"permalink": "https://www.threads.net/@k/post/1"})
    )
    publisher = ThreadsPublisher("99", "long-1", sleep=no_sleep)
    result = publisher.publish(outgoing("threads", "Hi riders", id=3, key="c" * 32))
    assert result.post_id == "t1" and publisher.token == "long-2"
    assert refresh.calls.last.request.url.params["grant_type"] == "th_refresh_token"
    form = sent_form(container)
    assert form == {"text": "Hi riders", "media_type": "TEXT", "access_token": "long-2"}


@respx.mock
def test_read_back_and_verification_on_each_graph_platform() -> None:
    respx.get(f"{GRAPH}/17841/media").mock(
        return_value=_page(
            {
                "id": "m9",
                "caption": REEL.body,
                "permalink": "https://www.instagram.com/reel/Z/",
                "timestamp": "2027-01-04T16:00:00+0000",
            }
        )
    )
    respx.get(f"{THREADS}/99/threads").mock(
        return_value=_page(
            {
                "id": "t9",
                "text": "Hi riders",
                "permalink": "https://www.threads.net/@k/post/9",
                "timestamp": "2027-01-04T16:00:00+0000",
            }
        )
    )
    for base, live, gone in ((GRAPH, "m9", "m0"), (THREADS, "t9", "t0"), (GRAPH, "123_1", "123_0")):
        respx.get(f"{base}/{live}").mock(return_value=httpx.Response(200, json={"id": live}))
        respx.get(f"{base}/{gone}").mock(return_value=_graph_error(100, "Object does not exist"))
    instagram = InstagramPublisher("17841", "t", media_base_url="https://cdn", sleep=no_sleep)
    threads = ThreadsPublisher("99", "t", sleep=no_sleep)
    facebook = FacebookPublisher("123", "t", sleep=no_sleep)
    assert instagram.find(REEL).post_id == "m9"
    assert threads.find(outgoing("threads", "Hi riders", id=4, key="d" * 32)).post_id == "t9"
    assert instagram.verify("m9", None) and not instagram.verify("m0", None)
    assert threads.verify("t9", None) and not threads.verify("t0", None)
    assert facebook.verify("123_1", None) and not facebook.verify("123_0", None)


@respx.mock
def test_threads_video_post_waits_for_its_container() -> None:
    container = respx.post(f"{THREADS}/99/threads").mock(return_value=httpx.Response(200, json={"id": "tc2"}))
    respx.get(f"{THREADS}/tc2").mock(
        return_value=httpx.Response(200, json={"status": "FINISHED", "id": "tc2", "status_code": "FINISHED"})
    )
    respx.post(f"{THREADS}/99/threads_publish").mock(return_value=httpx.Response(200, json={"id": "t2"}))
    respx.get(f"{THREADS}/t2").mock(
        return_value=httpx.Response(200, json={"permalink": "https://www.threads.net/t2"})
    )
    post = outgoing("threads", "Watch", id=5, key="e" * 32, media_keys=("ab/ab.mp4",))
    assert (
        ThreadsPublisher("99", "t", media_base_url="https://cdn", sleep=no_sleep).publish(post).post_id
        == "t2"
    )
    form = sent_form(container)
    assert form["media_type"] == "VIDEO" and form["video_url"] == "https://cdn/ab/ab.mp4"
    with pytest.raises(PublishError, match="PUBLIC_MEDIA_BASE_URL"):
        ThreadsPublisher("99", "t").publish(post)


@respx.mock
def test_facebook_video_from_a_public_url() -> None:
    videos = respx.post(f"{GRAPH}/123/videos").mock(return_value=httpx.Response(200, json={"id": "v1"}))
    post = outgoing("facebook", "Ride along", id=6, key="f" * 32, media_keys=("ab/ab.mp4",))
    result = FacebookPublisher("123", "t", media_base_url="https://cdn").publish(post)
    assert result.url == "https://www.facebook.com/123/videos/v1/"
    assert sent_form(videos)["file_url"] == "https://cdn/ab/ab.mp4"
    with pytest.raises(PublishRejected, match="PUBLIC_MEDIA_BASE_URL"):
        FacebookPublisher("123", "t").publish(post)
