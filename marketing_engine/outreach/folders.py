"""Where outreach reads and writes under the engine home: the brand's site (the built one, else the
sample site generated from its file), the brand's offline world (prospect, magazine and competitor
sites) and the JSON reports a person reads (`reports/outreach/`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketing_engine.brand import BrandProfile
from marketing_engine.files import write_text
from marketing_engine.outreach.sample_sites import SampleWorld, write_sample_world
from marketing_engine.settings import environment, home_dir

if TYPE_CHECKING:
    from marketing_engine.outreach.eeat import SiteAudit

REPORTS = "outreach"  # the reports folder's sub-folder


def sample_world(profile: BrandProfile) -> SampleWorld:
    """The brand's offline world: prospect, magazine and competitor sites generated from its file."""
    return write_sample_world(profile, home_dir("samples"))


class NoBuiltSite(FileNotFoundError):
    """In prod, no site built by `static_site` to read (the generated sample site stands for nothing)."""


def brand_site_folder(profile: BrandProfile, built: Path | None = None) -> Path:
    """The built site (SEO group's `static_site`: `built`, the build it stored, when given — a step on
    another machine has none of its own — else this home's `site/`) when there is one, else, locally,
    the brand's sample site generated from its file. In prod without a build: NoBuiltSite (an audit or
    a citation of the made-up sample site would describe pages the business does not have)."""
    built = built or home_dir("site")
    for candidate in (built / profile.domain, built):
        if (candidate / "index.html").exists():
            return candidate
    if environment() == "prod":
        raise NoBuiltSite(f"no built site for {profile.slug!r} under {built}: materialize static_site first")
    return sample_world(profile).brand_site


def site_pages(profile: BrandProfile) -> list[dict[str, str]]:
    """URL and title of every page in the brand's site folder (citable before the SEO pages exist)."""
    from marketing_engine.outreach.eeat import site_files
    from marketing_engine.outreach.html import parse_page

    try:
        folder = brand_site_folder(profile)
    except NoBuiltSite:  # prod before the first build: nothing to cite from a site
        return []
    return [
        {"url": url, "title": parse_page(html, url).title}
        for url, html in site_files(folder, profile.site_url)
    ]


def audit_brand_site(profile: BrandProfile, built: Path | None = None) -> tuple[Path, SiteAudit]:
    """The brand's site folder and its E-E-A-T audit (`built`: see `brand_site_folder`)."""
    from marketing_engine.outreach.eeat import audit_site, site_files

    folder = brand_site_folder(profile, built)
    return folder, audit_site(site_files(folder, profile.site_url))


def write_report(name: str, data: dict[str, Any], **dumps: Any) -> Path:
    """A JSON report `reports/outreach/<name>` (`dumps`: extra `json.dumps` arguments)."""
    report = home_dir("reports") / REPORTS / name
    report.parent.mkdir(parents=True, exist_ok=True)
    write_text(report, json.dumps(data, indent=2, **dumps))
    return report
