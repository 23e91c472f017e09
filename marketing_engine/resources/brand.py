"""The brand file as a resource, so every asset reads the same validated profile."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dagster import ConfigurableResource

from marketing_engine.brand import BrandProfile, load_brand


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> BrandProfile:
    return load_brand(path)


class BrandResource(ConfigurableResource):
    """Path to `brand.yaml`; `load()` validates it (and re-reads it when the file changes)."""

    path: str

    def load(self) -> BrandProfile:
        file = Path(self.path)
        mtime = file.stat().st_mtime if file.exists() else 0.0
        return _load(str(file), mtime)

    @property
    def slug(self) -> str:
        """The brand's key in the warehouse and in file names (never empty: see BrandProfile.slug)."""
        return self.load().slug
