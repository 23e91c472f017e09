"""A table of hostile brand files: each is refused before any work with the file, the field and
the problem named, or it loads and renders safely in every output (HTML, JSON-LD, ICS, an email
header, a file name)."""

from __future__ import annotations

import copy
import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from needs import unavailable

from marketing_engine.brand import (
    MAX_SEED_TOPICS,
    BrandFileError,
    BrandProfile,
    load_brand,
    slug,
)
from marketing_engine.settings import EXAMPLE_BRAND

HOSTILE_NAME = 'Evil </script><script>alert(1)</script> & "Co" <b>\u202e'


@dataclass(frozen=True)
class Refused:
    field: str
    problem: str


@dataclass(frozen=True)
class Loads:
    check: Callable[[BrandProfile, Path], None]


def _product(data: dict, **fields) -> dict:
    data["products"][0].update(fields)
    return data


def _windows(data: dict, *windows: dict) -> dict:
    data["posting_windows"] = list(windows)
    return data


def _bad_url_path(url_path: str, problem: str) -> tuple[Callable[[dict], dict], Refused]:
    """A probe: the first product's `url_path` leads off the brand's site, refused with `problem`."""
    return (lambda d: _product(d, url_path=url_path), Refused("products[0].url_path", problem))


def _bad_windows(field: str, problem: str, *windows: dict) -> tuple[Callable[[dict], dict], Refused]:
    """A probe: the brand's posting windows replaced by `windows`, refused at `field` with `problem`."""
    return (lambda d: _windows(d, *windows), Refused(field, problem))


def _emoji_slug(profile: BrandProfile, _path: Path) -> None:
    assert profile.slug == "kestrelcycles-example"
    assert all(product.slug for product in profile.products)


def _overnight(profile: BrandProfile, _path: Path) -> None:
    from marketing_engine.publishing.calendar import candidates_for

    [window] = profile.posting_windows
    assert window.overnight
    friday = candidates_for(date(2026, 11, 27), [window])  # a Friday
    assert friday[0] == datetime(2026, 11, 27, 22, 0) and friday[-1] == datetime(2026, 11, 28, 1, 45)
    assert len(friday) == 16  # four hours on the 15-minute grid


def _renders_safely(profile: BrandProfile, path: Path) -> None:
    """HTML and JSON-LD of the brand's own pages, the .ics calendar, an email From header and the
    file names all keep the hostile name as text."""
    import extruct
    from icalendar import Calendar

    from marketing_engine.outreach.sequences import mailbox
    from marketing_engine.publishing.calendar import write_ics
    from marketing_engine.seo.schema import validate
    from marketing_engine.seo.site import SiteBuilder

    pages = SiteBuilder(profile).render_trust_pages([])
    assert pages
    for page, html in pages.items():
        assert "<script>alert(1)" not in html and "</script><script>" not in html.replace(
            '</script><script type="application/ld+json">', ""
        ), page
        blocks = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
        assert profile.name in {b.get("name") for b in blocks if isinstance(b, dict)}, page
    organization = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": profile.name,
        "url": profile.site_url + "/",
        "logo": profile.site_url + "/logo.png",
    }
    assert validate([organization]) == []  # used to raise JSONDecodeError on `</script>`
    ics = path.parent / "calendar" / f"{profile.slug}.ics"
    event = {
        "idempotency_key": "k1",
        "scheduled_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        "platform": "x",
        "arc_step": "hook",
        "body": profile.name + "\nBEGIN:VEVENT",
        "link_url": profile.site_url,
        "state": "queued",
    }
    ics.parent.mkdir(parents=True, exist_ok=True)
    assert write_ics(ics, profile.name, profile.domain, [event], profile.audience.timezone) == 1
    parsed = Calendar.from_ical(ics.read_bytes())
    assert str(parsed["x-wr-calname"]) == f"{profile.name} content calendar"
    assert len(parsed.walk("VEVENT")) == 1
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    message["From"] = mailbox(profile.name, "owner@" + profile.domain)  # as outreach emails do
    message["Subject"] = profile.name
    wire = message.as_bytes()
    assert wire.isascii()  # non-ASCII words RFC 2047-encoded; no header gained or split
    back = email.message_from_bytes(wire, policy=email.policy.default)
    [sender] = back["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (profile.name, "owner@" + profile.domain)
    assert str(back["Subject"]) == profile.name and len(back.keys()) == 2
    assert profile.slug.isascii() and len(profile.slug) <= 80 and "/" not in profile.slug


PROBES: dict[str, tuple[Callable[[dict], dict | bytes], Refused | Loads]] = {
    "name of 500 characters": (lambda d: {**d, "name": "N" * 500}, Refused("name", "at most 80 characters")),
    "product name of 500 characters": (
        lambda d: _product(d, name="P " * 250),
        Refused("products[0].name", "at most 120 characters"),
    ),
    "seed topic of 500 characters": (
        lambda d: {**d, "seed_topics": ["t" * 500]},
        Refused("seed_topics[0]", "at most 80 characters"),
    ),
    "200 seed topics": (
        lambda d: {**d, "seed_topics": [f"topic number {i}" for i in range(200)]},
        Refused("seed_topics", f"at most {MAX_SEED_TOPICS}"),
    ),
    "two seed topics with one slug": (
        lambda d: {**d, "seed_topics": ["e-bike care", "E bike  care"]},
        Refused("seed_topics", "listed twice"),
    ),
    "emoji-only name": (lambda d: {**d, "name": "🐙🐙"}, Loads(_emoji_slug)),
    "url_path @host": _bad_url_path("@evil.example/phish", "must start with a single /"),
    "url_path with @ inside": _bad_url_path("/x@evil.example", "contains '@'"),
    "url_path with a scheme": _bad_url_path("https://evil.example/x", "has a scheme"),
    "url_path javascript:": _bad_url_path("javascript:alert(1)", "has a scheme"),
    "url_path protocol-relative": _bad_url_path("//evil.example/x", "single /"),
    "url_path ../../../etc/passwd": _bad_url_path("../../../etc/passwd", "must start with a single /"),
    "url_path /a/../../etc/passwd": _bad_url_path("/a/../../etc/passwd", "'..' segment"),
    "overnight window 22:00-02:00": (
        lambda d: _windows(d, {"days": ["fri"], "start": "22:00", "end": "02:00"}),
        Loads(_overnight),
    ),
    "overlapping windows": _bad_windows(
        "posting_windows",
        "[1] (mon 09:30-11:00) overlaps [0] (mon 08:00-10:00) on mon at 09:30",
        {"days": ["mon"], "start": "08:00", "end": "10:00"},
        {"days": ["mon"], "start": "09:30", "end": "11:00"},
    ),
    "overnight window overlapping the next morning": _bad_windows(
        "posting_windows",
        "on mon at 01:00",
        {"days": ["sun"], "start": "22:00", "end": "02:00"},
        {"days": ["mon"], "start": "01:00", "end": "03:00"},
    ),
    "empty window": _bad_windows(
        "posting_windows[0]", "needs a length", {"days": ["mon"], "start": "09:00", "end": "09:00"}
    ),
    "swapped window (23 hours overnight)": _bad_windows(
        "posting_windows[0]",
        "overnight window of 23.0 hours",
        {"days": ["mon"], "start": "10:00", "end": "09:00"},
    ),
    "channel window overlap": (
        lambda d: (
            d["channels"]["linkedin"].update(
                posting_windows=[
                    {"days": ["tue"], "start": "08:00", "end": "10:00"},
                    {"days": ["tue"], "start": "08:00", "end": "09:00"},
                ]
            )
            or d
        ),
        Refused("channels.linkedin.posting_windows", "overlaps"),
    ),
    "line break in the name (header injection)": (
        lambda d: {**d, "name": "Acme\nBcc: victim@example.com"},
        Refused("name", "control character U+000A"),
    ),
    "NUL in the description": (
        lambda d: {**d, "description": "fine\x00text"},
        Refused("description", "control character U+0000"),
    ),
    "line break in the sender name": (
        lambda d: d["outreach"].update(sender_name="Maya\r\nBcc: x@y.example") or d,
        Refused("outreach.sender_name", "control character U+000D"),
    ),
    "sender email that is not one": (
        lambda d: d["outreach"].update(sender_email="maya at example") or d,
        Refused("outreach.sender_email", "is not an email address"),
    ),
    "two products with one slug": (
        lambda d: d["products"].__setitem__(1, {**d["products"][1], "name": "KESTREL  commuter!"}) or d,
        Refused("", "makes the same slug"),
    ),
    "two emoji-only products": (
        lambda d: [p.update(name="🚲" * (i + 1)) for i, p in enumerate(d["products"][:2])] and d,
        Refused("", "makes the same slug 'item'"),
    ),
    "font with a comma (ASS style injection)": (
        lambda d: d["visual_identity"].update(font="DejaVu Sans,99,&H0") or d,
        Refused("visual_identity.font", "pattern"),
    ),
    "</script>, quotes and RTL override in the name": (
        lambda d: {**d, "name": HOSTILE_NAME},
        Loads(_renders_safely),
    ),
}


def _bytes_of(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@pytest.mark.parametrize("probe", list(PROBES), ids=list(PROBES))
def test_hostile_brand_file(probe: str, tmp_path: Path) -> None:
    mutate, expected = PROBES[probe]
    data = mutate(copy.deepcopy(yaml.safe_load(EXAMPLE_BRAND.read_text(encoding="utf-8"))))
    path = tmp_path / "brand.yaml"
    path.write_bytes(data if isinstance(data, bytes) else _bytes_of(data))
    if isinstance(expected, Refused):
        with pytest.raises(BrandFileError) as raised:
            load_brand(path)
        assert raised.value.path == str(path)
        assert raised.value.field.startswith(expected.field), raised.value.field
        assert expected.problem in raised.value.problem, raised.value.problem
    else:
        expected.check(load_brand(path), path)


def test_non_utf8_bytes_name_the_file_and_the_byte_offset(tmp_path: Path) -> None:
    text = EXAMPLE_BRAND.read_bytes()
    at = text.index(b"description:") + len(b"description: ")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text[:at] + "café ".encode("latin-1") + text[at:])
    with pytest.raises(BrandFileError) as raised:
        load_brand(path)
    line = text[:at].count(b"\n") + 1
    assert str(path) in str(raised.value)
    assert f"is not UTF-8: byte 0xe9 at offset {at + 3} (line {line}, column" in raised.value.problem


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_BRAND.read_bytes())
    assert load_brand(path).name == load_brand(EXAMPLE_BRAND).name


def test_slugs_stay_inside_the_warehouse_columns_at_every_length_limit(example_data) -> None:
    from marketing_engine.brand import NAME_MAX, PRODUCT_NAME_MAX, parse_brand
    from marketing_engine.warehouse.models import Campaign

    longest = "Ü" + "w" * (NAME_MAX - 1)
    data = {**example_data, "name": longest}
    data["products"][0]["name"] = "Ö" + "p" * (PRODUCT_NAME_MAX - 1)
    profile = parse_brand(data)
    assert 0 < len(profile.slug) <= Campaign.__table__.c.brand.type.length
    campaign = f"{profile.products[0].slug}-linkedin"
    assert len(campaign) <= Campaign.__table__.c.slug.type.length
    assert len(f"{profile.products[0].name} on linkedin") <= Campaign.__table__.c.name.type.length
    assert len(f"calendar/{profile.slug}.ics.partial".encode()) < 255
    assert slug("🐙") == ""  # the reason BrandProfile.slug falls back to the domain


def test_voice_is_checked_before_any_work(example_data, tmp_path) -> None:
    from marketing_engine.brand import parse_brand
    from marketing_engine.cli import voice_problem

    try:
        from marketing_engine.video.speech import available_voice_languages

        installed = available_voice_languages()
    except Exception as exc:  # noqa: BLE001 - no espeak-ng library on this machine
        unavailable(f"espeak-ng is not installed: {exc}")
    assert "en-gb" in installed
    british = parse_brand(
        {**example_data, "visual_identity": {**example_data["visual_identity"], "voice": "en-gb"}}
    )
    assert voice_problem(british, tmp_path / "b.yaml") is None
    unknown = parse_brand(
        {**example_data, "visual_identity": {**example_data["visual_identity"], "voice": "xx-zz"}}
    )
    problem = voice_problem(unknown, tmp_path / "b.yaml")
    assert problem is not None and problem.field == "visual_identity.voice"
    assert "'xx-zz'" in problem.problem and "espeak-ng --voices" in problem.problem
