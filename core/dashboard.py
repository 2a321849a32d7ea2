"""Dashboards: tiles that answer "where do we stand?" at a glance, each linking to the list behind it.

Each app contributes tiles in ``<app>/dashboard_tiles.py``:
- ``staff_tiles(*, user, townships, today) -> list[Tile]`` for the admin home (township staff see their
  township; county admins their county). ``townships`` is the user's scoped township list.
- ``doctor_tiles(*, user, clinic, today) -> list[Tile]`` for the doctor's portal home.
- ``township_columns(*, user, townships, today) -> list[TownshipColumn]`` for the county dashboard:
  one figure per township, side by side (``townships``: the county's townships in the user's scope).
- ``township_trends(*, user, townships, today) -> list[Trend]`` for the county dashboard: charts of
  the figures over the months.
Tiles, columns and trends must use a bounded number of queries whatever the county's size; they read
through the app's own selectors, which narrow every read by ``clinics.selectors``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings

from core.scope import townships_for


@dataclass
class Tile:
    title: str
    value: str = ""
    detail: str = ""
    url: str = ""
    level: str = ""  # "", "ok", "warn", "danger"
    chart: str = ""  # SVG markup from core.charts
    rows: list = field(default_factory=list)  # (label, value, url) for short lists
    order: int = 100
    wide: bool = False


@dataclass
class Cell:
    """One township's value of a county-dashboard figure; ``url`` opens the list behind it."""

    value: str
    url: str = ""
    level: str = ""  # "", "ok", "warn", "danger"
    detail: str = ""


@dataclass
class TownshipColumn:
    """One figure of the county dashboard: a cell per township id, and the county's total."""

    title: str
    cells: dict = field(default_factory=dict)  # township id -> Cell
    total: Cell | None = None
    help: str = ""  # how the figure is counted, shown under the table
    order: int = 100


@dataclass
class Trend:
    """A chart of the county dashboard (SVG from core.charts)."""

    title: str
    chart: str
    help: str = ""
    url: str = ""  # the list with the figures behind the chart
    order: int = 100


@dataclass
class CountyBoard:
    county: object
    townships: list
    columns: list[TownshipColumn]
    trends: list[Trend]

    def rows(self):
        """(township, [Cell per column]) in township code order; a township without a value shows "—"."""
        empty = Cell("—")
        return [(t, [c.cells.get(t.pk, empty) for c in self.columns]) for t in self.townships]

    @property
    def totals(self):
        return [c.total or Cell("") for c in self.columns]


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


def county_board(*, user, county, today: date) -> CountyBoard:
    """Every app's per-township figures and trends for one county, in the user's scope."""
    townships = list(townships_for(user).filter(county=county).order_by("code"))
    columns: list[TownshipColumn] = []
    trends: list[Trend] = []
    for module in _tile_modules():
        if hasattr(module, "township_columns"):
            columns.extend(module.township_columns(user=user, townships=townships, today=today))
        if hasattr(module, "township_trends"):
            trends.extend(module.township_trends(user=user, townships=townships, today=today))
    return CountyBoard(
        county=county,
        townships=townships,
        columns=sorted(columns, key=lambda c: c.order),
        trends=sorted(trends, key=lambda t: t.order),
    )
