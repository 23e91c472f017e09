"""Fixtures of the SEO tests."""

from __future__ import annotations

import pytest

from marketing_engine.brand import BrandProfile
from seo.sitekit import example_site_inputs


@pytest.fixture(scope="session")
def site_inputs(example_brand: BrandProfile):
    return example_site_inputs(example_brand)
