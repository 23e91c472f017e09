"""The one Definitions object: assets, checks, jobs, sensors, schedules and resources.

Assets and checks are collected from every module of `marketing_engine.assets`, sensors from
`marketing_engine.sensors`, schedules from `schedules.py` and jobs from `jobs.JOBS`, so a domain adds
its module and nothing here changes; only Dagster's public API is used. Resources are chosen by
MARKETING_ENGINE_ENV (local | prod), the executor by MARKETING_ENGINE_EXECUTOR (multiprocess | celery,
see `execution.py`).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from dagster import (
    Definitions,
    ScheduleDefinition,
    SensorDefinition,
    load_asset_checks_from_package_module,
    load_assets_from_package_module,
)

from marketing_engine import assets, jobs, schedules, sensors
from marketing_engine.execution import executor_from_env
from marketing_engine.resources import build_resources


def _modules(package: ModuleType) -> list[ModuleType]:
    found = [package]
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        found.append(importlib.import_module(info.name))
    return found


def _collect(modules: list[ModuleType], kinds: tuple[type, ...]) -> list:
    seen: dict[str, object] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, kinds):
                seen.setdefault(value.name, value)
    return list(seen.values())


def build_definitions(env: str | None = None) -> Definitions:
    return Definitions(
        assets=load_assets_from_package_module(assets),
        asset_checks=load_asset_checks_from_package_module(assets),
        sensors=_collect(_modules(sensors), (SensorDefinition,)),
        schedules=_collect([schedules], (ScheduleDefinition,)),
        jobs=jobs.JOBS,
        resources=build_resources(env),
        executor=executor_from_env(),
    )


defs = build_definitions()
