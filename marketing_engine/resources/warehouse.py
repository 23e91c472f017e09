"""The warehouse as a resource: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar

from marketing_engine.warehouse import Warehouse, WarehouseError

_OPEN: dict[str, Warehouse] = {}


class WarehouseResource(ConfigurableResource):
    """`url` is a SQLAlchemy URL: `sqlite:///path.sqlite` or `postgresql+psycopg2://user@host/db`
    (in prod an `EnvVar`, resolved here too when the resource is used outside a run, e.g. by a
    partition picker or a sensor given the Definitions' resources directly)."""

    url: str

    def resolved_url(self) -> str:
        if isinstance(self.url, EnvVar):
            value = self.url.get_value()
            if not value:
                raise WarehouseError(
                    f"{self.url.env_var_name} is not set: give it the warehouse URL "
                    "(postgresql+psycopg2://user@host/db or sqlite:///path)"
                )
            return value
        return self.url

    def get(self) -> Warehouse:
        url = self.resolved_url()
        if url not in _OPEN:
            _OPEN[url] = Warehouse(url)
        return _OPEN[url]
