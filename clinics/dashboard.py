"""Dashboards: tiles that answer "where do we stand?" at a glance, each linking to the list behind it.

Each app contributes tiles in ``<app>/dashboard_tiles.py``:
- ``staff_tiles(*, user, townships, today) -> list[Tile]`` for the admin home (township staff see their
  township; county admins their county). ``townships`` is the user's scoped township list.
- ``doctor_tiles(*, user, clinic, today) -> list[Tile]`` for the doctor's portal home.
Tiles must use a bounded number of queries whatever the county's size.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings


@dataclass
class Tile:
    title: str
    value: str = ""
    detail: str = ""
    url: str = ""
    level: str = ""  # "", "ok", "warn", "danger"
    chart: str = ""  # SVG markup from clinics.charts
    rows: list = field(default_factory=list)  # (label, value, url) for short lists
    order: int = 100
    wide: bool = False


def _tile_modules():
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        try:
            yield importlib.import_module(f"{config.name}.dashboard_tiles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.dashboard_tiles":
                raise


def staff_tiles(*, user, today: date) -> list[Tile]:
    from .selectors import townships_for

    townships = list(townships_for(user).order_by("code"))
    tiles: list[Tile] = []
    for module in _tile_modules():
        if hasattr(module, "staff_tiles"):
            tiles.extend(module.staff_tiles(user=user, townships=townships, today=today))
    return sorted(tiles, key=lambda t: t.order)


def doctor_tiles(*, user, clinic, today: date) -> list[Tile]:
    tiles: list[Tile] = []
    for module in _tile_modules():
        if hasattr(module, "doctor_tiles"):
            tiles.extend(module.doctor_tiles(user=user, clinic=clinic, today=today))
    return sorted(tiles, key=lambda t: t.order)
