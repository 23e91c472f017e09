"""Fixtures for the publishing tests: the example brand's resources on a test warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.publishers import PublishersResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND


@pytest.fixture
def reviewed_brand(tmp_path: Path) -> Path:
    """The example brand with `approval.required: true`, as for a real account."""
    text = EXAMPLE_BRAND.read_text(encoding="utf-8").replace("required: false", "required: true")
    path = tmp_path / "brand-reviewed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def publishing_resources(warehouse_url: str, engine_home: Path) -> dict:
    return {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "media_store": MediaStoreResource(),
        "llm": LLMResource(backend="offline"),
        "publishers": PublishersResource(backend="outbox", lookahead_hours=24.0 * 15),
    }
