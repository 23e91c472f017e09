from __future__ import annotations

from datetime import date

import pytest

from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.trend_sources import InjectedSpikeConfig, TrendSourcesResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND

AS_OF = date(2026, 3, 20)
SPIKE_START = date(2026, 3, 19)


@pytest.fixture
def trend_resources(warehouse_url: str) -> dict:
    return {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "media_store": MediaStoreResource(),
        "trend_sources": TrendSourcesResource(
            injected_spikes=[
                InjectedSpikeConfig(topic="cargo e-bike", start=SPIKE_START.isoformat(), multiplier=6.0)
            ]
        ),
    }
