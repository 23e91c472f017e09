"""The SSRF guard: a URL from the outside world is fetched only if every address its host resolves
to is a public one. Private, loopback, link-local (cloud metadata at 169.254.169.254), shared,
multicast and reserved addresses are refused before any connection is made, unless the caller
explicitly allows a network (a test's own 127.0.0.1 server, the offline sample sites)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class UnsafeURLError(ValueError):
    """A URL the crawler will not fetch, naming the URL and why."""

    def __init__(self, url: str, reason: str, kind: str = "refused"):
        self.url = url
        self.reason = reason
        self.kind = kind
        super().__init__(f"{url}: {reason}")


class UnresolvableHostError(UnsafeURLError):
    """The host has no address (NXDOMAIN or no DNS): for link checking this is a dead link."""

    def __init__(self, url: str, reason: str):
        super().__init__(url, reason, kind="unresolvable")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def address_allowed(address: IPAddress, allowed: Sequence[Network] = ()) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def split_target(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL; anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(url, f"scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        raise UnsafeURLError(url, "no host")
    if parts.username or parts.password:
        raise UnsafeURLError(url, "credentials in the URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURLError(url, "bad port") from None
    return parts.hostname, port


def check_addresses(url: str, addresses: Iterable[str], allowed: Sequence[Network] = ()) -> list[IPAddress]:
    """Every resolved address must be allowed: one private answer refuses the whole host."""
    parsed = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if not parsed:
        raise UnresolvableHostError(url, "host resolves to no address")
    for address in parsed:
        if not address_allowed(address, allowed):
            raise UnsafeURLError(url, f"resolves to non-public address {address}")
    return parsed


def resolve_checked(
    url: str,
    allowed: Sequence[Network] = (),
    resolver: Callable[..., list] = socket.getaddrinfo,
) -> list[IPAddress]:
    """Resolve the URL's host (blocking) and check every address; the async crawler has its own."""
    host, port = split_target(url)
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHostError(url, f"host {host!r} does not resolve ({exc})") from None
    return check_addresses(url, [info[4][0] for info in infos], allowed)
