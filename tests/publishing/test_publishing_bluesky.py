"""Bluesky at the HTTP layer (respx): a record key fixed by the idempotency key makes a repeated
create harmless; link facets use UTF-8 byte offsets; expired sessions are refreshed."""

from __future__ import annotations

import json

import httpx
import respx

from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.bluesky import BlueskyPublisher, link_facets, record_key
from publishing.platform_helpers import no_sleep, outgoing

XRPC = "https://bsky.social/xrpc"
POST = outgoing("bluesky", "Cargo e-bikes 🚲 https://k.example/?utm_source=bluesky", key="0f" * 16)
SESSION = {"did": "did:plc:abc", "handle": "k.bsky.social", "accessJwt": "a1", "refreshJwt": "r1"}


def test_record_key_is_a_stable_tid_and_facets_count_bytes() -> None:
    key = record_key(POST.idempotency_key)
    assert len(key) == 13 and key == record_key(POST.idempotency_key) and key[0] in "234567ab"
    [facet] = link_facets(POST.body)
    assert facet["index"] == {"byteStart": 19, "byteEnd": 19 + len("https://k.example/?utm_source=bluesky")}


@respx.mock
def test_create_with_record_key_then_refresh_and_repeat_is_found() -> None:
    respx.post(f"{XRPC}/com.atproto.server.createSession").mock(
        return_value=httpx.Response(200, json=SESSION)
    )
    rkey = record_key(POST.idempotency_key)
    uri = f"at://did:plc:abc/app.bsky.feed.post/{rkey}"
    create = respx.post(f"{XRPC}/com.atproto.repo.createRecord").mock(
        side_effect=[
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json={"uri": uri, "cid": "bafy"}),
            httpx.Response(400, json={"error": "InvalidRequest", "message": "Record already exists"}),
        ]
    )
    respx.post(f"{XRPC}/com.atproto.server.refreshSession").mock(
        return_value=httpx.Response(200, json={**SESSION, "accessJwt": "a2", "refreshJwt": "r2"})
    )
    respx.get(f"{XRPC}/com.atproto.repo.getRecord").mock(
        return_value=httpx.Response(200, json={"uri": uri, "cid": "bafy", "value": {"text": POST.body}})
    )
    publisher = BlueskyPublisher("k.bsky.social", "app-pass", sleep=no_sleep)
    result = publisher.publish(POST)
    assert result.post_id == uri and result.url == f"https://bsky.app/profile/k.bsky.social/post/{rkey}"
    sent = json.loads(create.calls[1].request.content)
    assert sent["rkey"] == rkey and sent["repo"] == "did:plc:abc" and sent["record"]["facets"]
    assert create.calls[1].request.headers["Authorization"] == "Bearer a2"
    again = deliver(publisher, POST, sleep=no_sleep)  # the retry is refused, the first one found
    assert again.post_id == uri and create.call_count == 3
    assert publisher.verify(uri, None)


@respx.mock
def test_find_reports_a_missing_record() -> None:
    respx.post(f"{XRPC}/com.atproto.server.createSession").mock(
        return_value=httpx.Response(200, json=SESSION)
    )
    respx.get(f"{XRPC}/com.atproto.repo.getRecord").mock(
        return_value=httpx.Response(
            400, json={"error": "RecordNotFound", "message": "Could not locate record"}
        )
    )
    assert BlueskyPublisher("k.bsky.social", "p").find(POST) is None
