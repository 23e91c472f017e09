"""A recorded httplib2 transport for Google's discovery clients (google-api-python-client over
google-auth-httplib2): it answers each request with the next recorded (status, body), Google's
token endpoint and the API alike, and keeps what was sent, so a test sees the token refresh."""

from __future__ import annotations

import json
from urllib.parse import parse_qs


class RecordedHttp:
    timeout = None

    def __init__(self, *answers: tuple[int, dict | str]):
        self.answers = list(answers)
        self.sent: list[dict] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        import httplib2

        self.sent.append({"uri": uri, "method": method, "body": body, "headers": dict(headers or {})})
        status, payload = self.answers.pop(0)
        content = payload if isinstance(payload, str) else json.dumps(payload)
        return httplib2.Response(
            {"status": str(status), "content-type": "application/json"}
        ), content.encode()


def form(body) -> dict[str, str]:
    """A urlencoded request body (the token endpoint's) as a dict."""
    text = body.decode() if isinstance(body, bytes) else body
    return {key: values[0] for key, values in parse_qs(text).items()}


def granted(scope: str, token: str = "ya29.fresh") -> dict:
    """Google's token endpoint answer to a refresh."""
    return {"access_token": token, "expires_in": 3599, "scope": scope, "token_type": "Bearer"}
