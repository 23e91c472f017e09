"""One-click unsubscribe tokens (RFC 8058): the brand and the address, signed (HMAC, itsdangerous)
with the installation's secret. A token names exactly one address; changing the address breaks the
signature, and nobody without the secret can make one."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "marketing-engine.unsubscribe"


class BadToken(ValueError):
    """An unsubscribe token that was not signed by this installation, or was altered."""


def unsubscribe_token(secret: str, brand: str, address: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([brand, address.strip().lower()])


def token_address(secret: str, token: str) -> tuple[str, str]:
    """(brand, address) the token was signed for; `BadToken` when the signature does not hold."""
    try:
        brand, address = URLSafeSerializer(secret, salt=SALT).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise BadToken("this unsubscribe link is not valid (altered or from another installation)") from exc
    return str(brand), str(address)
