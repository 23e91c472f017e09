"""Secrets and prod mode: no configured secret appears in any output (stdout, stderr, any file
under the home, the warehouse); prod settings are resolved wherever the warehouse is opened; batch
ids are valid; a keyless provider's outage and one provider's failure stop nothing else; retries
stay inside one time bound per provider."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from moto_s3 import moto_server, s3_client
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketing_engine.settings import PROJECT_ROOT
from reliability.probes import cli_env, run_cli

SECRET_NAME = re.compile(r"\"([A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD)(?:_ID)?)\"")


def configured_secret_names() -> list[str]:
    """Every secret the code reads: names like *_KEY, *_TOKEN, *_SECRET, *_PASSWORD in the source
    (so a provider added later is scanned for too) and every EnvVar of the prod resources."""
    from dagster import ConfigurableIOManagerFactory, ConfigurableResource, EnvVar

    from marketing_engine.resources import build_resources

    names = set()
    for path in (PROJECT_ROOT / "marketing_engine").rglob("*.py"):
        names |= set(SECRET_NAME.findall(path.read_text(encoding="utf-8")))

    def walk(value):
        if isinstance(value, EnvVar):
            names.add(value.env_var_name)
        elif isinstance(value, (ConfigurableResource, ConfigurableIOManagerFactory)):
            for field in type(value).model_fields:
                walk(getattr(value, field, None))
        elif isinstance(value, (list, tuple, dict)):
            for item in value.values() if isinstance(value, dict) else value:
                walk(item)

    for resource in build_resources("prod").values():
        walk(resource)
    return sorted(names - {"MARKETING_ENGINE_WAREHOUSE_URL"})


def _warehouse_text(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = [
            row[0]
            for row in connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))
        ]
        dump = [str(row) for table in tables for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    return "\n".join(dump)


@pytest.fixture
def outputs_endpoint(tmp_path) -> Iterator[str]:
    """Prod keeps asset outputs on S3: here a moto_server (any credentials pass)."""
    with moto_server(tmp_path) as endpoint:
        s3_client(endpoint).create_bucket(Bucket="probe-outputs")
        yield endpoint


@pytest.mark.postgres
def test_no_configured_secret_appears_in_any_output(tmp_path, pg_url, outputs_endpoint):
    names = configured_secret_names()
    assert len(names) >= 30
    endpoint = outputs_endpoint
    plain = {"MEDIA_STORE_BUCKET": "probe-bucket", "MARKETING_ENGINE_IO_BUCKET": "probe-outputs",
             "AWS_ENDPOINT_URL_S3": endpoint, "WORDPRESS_URL": "https://wp.invalid", "WORDPRESS_USERNAME": "u",
             "LINKEDIN_AUTHOR_URN": "urn:li:person:1", "INSTAGRAM_USER_ID": "1", "PINTEREST_BOARD_ID": "1",
             "PUBLIC_MEDIA_BASE_URL": "https://media.invalid"}  # fmt: skip
    fake = {name: f"fake-{name.lower()}-{secrets.token_hex(6)}" for name in names if name not in plain}
    password = f"pw-{secrets.token_hex(8)}"
    url = make_url(pg_url).set(password=password).render_as_string(hide_password=False)
    home = tmp_path / "prod home"
    env = cli_env(
        home,
        MARKETING_ENGINE_ENV="prod",
        MARKETING_ENGINE_WAREHOUSE_URL=url,
        MARKETING_ENGINE_PROVIDER_BUDGET_S="3",
        **plain,
        **fake,
    )
    done = run_cli(home, "foundation", "trend snapshots", "trend signals", env=env, timeout=240)
    # The trend platforms are unreachable with fake keys: the run fails, in bounded time, saying why.
    assert done.code == 1, done.out + done.err
    assert "trend_snapshots" in done.last_line and "to fix:" in done.last_line
    assert "stage 'trend signals' skipped" in done.out
    assert "Warehouse: postgresql+psycopg2://" in done.out and ":***@" in done.out
    haystacks = {
        "stdout": done.out.encode(),
        "stderr": done.err.encode(),
        "warehouse": _warehouse_text(url).encode(),
    }
    files = [path for path in home.rglob("*") if path.is_file()]
    assert len(files) > 5
    haystacks |= {str(path): path.read_bytes() for path in files}
    found = [
        (name, where)
        for name, value in [*fake.items(), ("warehouse password", password)]
        for where, data in haystacks.items()
        if value.encode() in data
    ]
    assert found == [], f"{len(found)} of {len(fake) + 1} secrets leaked: {found[:5]}"


def test_masked_url_hides_passwords_whether_or_not_the_url_parses():
    from marketing_engine.settings import masked_url

    assert (
        masked_url("postgresql+psycopg2://postgres:s3cr3t@db:5432/x")
        == "postgresql+psycopg2://postgres:***@db:5432/x"
    )
    assert (
        masked_url("warehouse URL 'postgres://u:p@ss:w@rd@h/db' is bad")
        == "warehouse URL 'postgres://u:***@h/db' is bad"
    )
    assert masked_url("sqlite:////tmp/a b/w.sqlite") == "sqlite:////tmp/a b/w.sqlite"


def test_prod_sensors_open_the_warehouse_the_setting_names(tmp_path, monkeypatch):
    """The sensors choose partitions outside a run, from the Definitions' resources: they used to
    open a warehouse called 'MARKETING_ENGINE_WAREHOUSE_URL'."""
    from dagster import DagsterInstance, EnvVar, SkipReason, build_sensor_context

    from marketing_engine.definitions import build_definitions
    from marketing_engine.resources.warehouse import WarehouseResource
    from marketing_engine.sensors.trend_spikes import trend_spike_sensor
    from marketing_engine.settings import sqlite_url
    from marketing_engine.warehouse import WarehouseError

    monkeypatch.setenv("MARKETING_ENGINE_WAREHOUSE_URL", sqlite_url(tmp_path / "prod warehouse?.sqlite"))
    defs = build_definitions("prod")
    assert isinstance(defs.resources["warehouse"].url, EnvVar)
    instance = DagsterInstance.ephemeral()
    resources = {name: defs.resources[name] for name in ("brand", "warehouse")}
    tick = trend_spike_sensor(build_sensor_context(instance=instance, resources=resources))
    assert isinstance(tick, SkipReason) and "none new" in tick.skip_message  # an empty warehouse: no spikes
    assert (tmp_path / "prod warehouse?.sqlite").is_file()
    monkeypatch.delenv("MARKETING_ENGINE_WAREHOUSE_URL")
    with pytest.raises(WarehouseError, match="MARKETING_ENGINE_WAREHOUSE_URL is not set"):
        WarehouseResource(url=EnvVar("MARKETING_ENGINE_WAREHOUSE_URL")).get()


def test_prod_settings_missing_for_the_selected_stages_are_named_before_any_work(tmp_path, monkeypatch):
    from marketing_engine.definitions import build_definitions
    from marketing_engine.pipeline import STAGES, PipelineError, Stage, run_pipeline, unset_settings

    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    # optional in prod: a provider left unset is not configured (offline backend), S3 keys come from
    # boto3's default chain; none of them may block the run
    optional = (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "ELEVENLABS_API_KEY",
        "SUNO_API_KEY",
        "SUNO_BASE_URL",
    )
    for name in ("MARKETING_ENGINE_WAREHOUSE_URL", "MEDIA_STORE_BUCKET", *optional):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(PipelineError) as raised:
        run_pipeline([stage for stage in STAGES if stage.name == "trend snapshots"])
    message = str(raised.value)
    assert "media_store: MEDIA_STORE_BUCKET;" in message
    assert "warehouse: MARKETING_ENGINE_WAREHOUSE_URL" in message and "MARKETING_ENGINE_ENV=local" in message
    assert [name for name in optional if name in message] == []
    # the video group's runs (the spike sensor launches them) need voice and music: neither blocks
    defs = build_definitions()
    graph = defs.resolve_implicit_global_asset_job_def().asset_layer.asset_graph
    missing = unset_settings([Stage("video render", groups=("video",))], defs, graph)
    assert "voice" not in missing and "music" not in missing and "footage" not in missing
    assert missing["media_store"] == ["MEDIA_STORE_BUCKET"] and missing["io_manager"] == [
        "MARKETING_ENGINE_IO_BUCKET"
    ]
    assert missing["warehouse"] == ["MARKETING_ENGINE_WAREHOUSE_URL"]  # required settings still block


def test_social_copy_batch_ids_pass_the_anthropic_rule():
    from marketing_engine.llm import LLMRequest, batch_custom_id
    from marketing_engine.resources.llm_anthropic import _custom_ids

    refs = ["page:commuter-e-bikes", "page:guides/winter", "video:cargo-e-bike:30", "product:kestrel-cargo"]
    refs += [f"page:{'x' * 100}-{i}" for i in range(3)]  # truncation must not collide
    ids = _custom_ids(
        [LLMRequest(task="social_pitch", prompt="p", custom_id=batch_custom_id(r)) for r in refs]
    )
    assert len(set(ids)) == len(refs)
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", custom_id) for custom_id in ids)
    assert batch_custom_id("already_valid-1") == "already_valid-1"


def test_keyless_autocomplete_outage_leaves_the_offline_expansion():
    from marketing_engine.resources.http import reset_provider_bounds
    from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
    from marketing_engine.seo.keywords import ExpansionContext, expand_offline

    reset_provider_bounds()

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    resource = KeywordIdeasResource(backend="autocomplete", delay_seconds=0)
    resource._transport = httpx.MockTransport(unreachable)
    resource._sleep = lambda _seconds: None
    context = ExpansionContext("Kestrel Cycles", [("Portland", "OR")], ["VoltRide"])
    ideas = resource.ideas(["cargo e-bike"], context)
    assert ideas and {idea.source for idea in ideas} == {"offline"}
    assert len(ideas) == len(expand_offline(["cargo e-bike"], context))
    assert "ConnectError" in resource._unavailable
    reset_provider_bounds()


def test_a_failing_provider_is_bounded_in_total_time_then_refused_at_once():
    from marketing_engine.resources.http import ProviderError, reset_provider_bounds, send_with_retry

    reset_provider_bounds()
    now = [0.0]
    calls = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(now[0])
        now[0] += 2.0  # each attempt takes two seconds to fail
        return httpx.Response(503, json={"error": {"message": "overloaded"}})

    client = httpx.Client(transport=httpx.MockTransport(down))
    kwargs = {
        "provider": "probe",
        "budget": 20.0,
        "clock": lambda: now[0],
        "sleep": lambda s: now.__setitem__(0, now[0] + s),
    }
    with pytest.raises(ProviderError, match="gave up after .* attempts"):
        for _ in range(10):
            send_with_retry(client, "GET", "https://probe.invalid/x", max_retries=8, base_delay=1, **kwargs)
    assert now[0] <= 20.0 + 2.0
    before = len(calls)
    with pytest.raises(ProviderError, match=r"not called: failing for \d+ s, over its 20 s bound .*HTTP 503"):
        now[0] = 25.0
        send_with_retry(client, "GET", "https://probe.invalid/x", **kwargs)
    assert len(calls) == before  # refused without a request
    now[0] = 60.0  # quiet for as long again: the provider gets a fresh chance
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    assert send_with_retry(client, "GET", "https://probe.invalid/x", **kwargs).status_code == 200
    reset_provider_bounds()
