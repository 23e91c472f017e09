"""The results page: what the engine learned (escaped), the newest marketing report served in a
CSP sandbox (its inline charts run, the desk's cookies stay out of reach), and the Dagster UI link."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from desk.conftest import SECRET, XSS
from marketing_engine.analytics.screenshot import ReportNotFoundError, register_report
from marketing_engine.desk.app import create_app
from marketing_engine.desk.auth import RateLimit
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.warehouse.models import CampaignMemory


@pytest.fixture
def app(desk_warehouse, profile, tmp_path, request):
    reports = tmp_path / "reports"
    reports.mkdir()
    if getattr(request, "param", "folder") == "registry":  # written on another machine: no local file
        media = MediaStoreResource(root=str(tmp_path / "shared media"))
        for html in ("<html>first</html>", "<html><script>Plotly.newPlot('stored')</script></html>"):
            stored = media.put_bytes(html.encode(), suffix=".html")
            register_report(desk_warehouse, profile.slug, stored, "run-1")
        return create_app(desk_warehouse, profile, SECRET, logins=RateLimit(), reports=reports, media=media)
    (reports / "2027-01-04-marketing-report.html").write_text(
        "<html><script>Plotly.newPlot()</script></html>"
    )
    return create_app(desk_warehouse, profile, SECRET, logins=RateLimit(), reports=reports)


def test_results_show_findings_the_report_and_the_runs(login, desk_warehouse, profile, monkeypatch) -> None:
    monkeypatch.setenv("MARKETING_ENGINE_DAGSTER_URL", "http://dagster.internal:3000/")
    with desk_warehouse.session() as session:
        session.add(
            CampaignMemory(
                brand=profile.slug,
                platform="x",
                dimension="hook",
                finding_key="k",
                finding=f"Questions win {XSS}",
            )
        )
    client = login("viewer")
    page = client.get("/results")
    assert "Questions win &lt;script&gt;" in page.text and "<script>alert" not in page.text
    assert "2027-01-04-marketing-report.html" in page.text
    assert 'href="http://dagster.internal:3000/runs"' in page.text
    report = client.get("/results/report")
    assert report.status_code == 200 and "Plotly.newPlot" in report.text
    policies = report.headers.get_list("content-security-policy")
    assert len(policies) == 1 and policies[0].startswith("sandbox allow-scripts;")
    assert TestClient(client.app).get("/results/report").url.path == "/login"


@pytest.mark.parametrize("app", ["registry"], indirect=True)
def test_the_desk_serves_the_newest_report_the_registry_names(login, profile) -> None:
    """marketing_report ran on another machine: the desk reads its newest version from the media store."""
    client = login("viewer")
    assert f"{profile.slug}-marketing-report.html (version 2)" in client.get("/results").text
    report = client.get("/results/report")
    assert report.status_code == 200 and "Plotly.newPlot('stored')" in report.text


def test_no_report_anywhere_is_said_plainly(desk_warehouse, profile, tmp_path) -> None:
    from marketing_engine.desk.review import _newest_report

    app = create_app(desk_warehouse, profile, SECRET, logins=RateLimit(), reports=tmp_path)
    with pytest.raises(ReportNotFoundError, match="no \\*-marketing-report.html"):
        _newest_report(app.state.desk)
