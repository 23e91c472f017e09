"""The warehouse as a resource: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

from dagster import ConfigurableResource

from marketing_engine.warehouse import Warehouse

_OPEN: dict[str, Warehouse] = {}


class WarehouseResource(ConfigurableResource):
    """`url` is a SQLAlchemy URL: `sqlite:///path.sqlite` or `postgresql+psycopg2://user@host/db`."""

    url: str

    def get(self) -> Warehouse:
        if self.url not in _OPEN:
            _OPEN[self.url] = Warehouse(self.url)
        return _OPEN[self.url]
