"""Dashboards: tiles that answer "where do we stand?" at a glance, each linking to the list behind it.

Each app contributes tiles in ``<app>/dashboard_tiles.py``:
- ``staff_tiles(*, user, townships, today) -> list[Tile]`` for the admin home (township staff see their
  township; county admins their county). ``townships`` is the user's scoped township list.
- ``doctor_tiles(*, user, clinic, today) -> list[Tile]`` for the doctor's portal home.
- ``township_columns(*, user, townships, today) -> list[TownshipColumn]`` for the county dashboard:
  one figure per township, side by side (``townships``: the county's townships in the user's scope).
- ``township_trends(*, user, townships, today) -> list[Trend]`` for the county dashboard: charts of
  the figures over the months.
- ``county_columns(*, user, counties, year, through_month, today) -> list[CountyColumn]`` for the city and
  province comparison (各县工作对比): one figure per county for ``year`` (months 1..``through_month``) beside
  the same months of the year before (同比).
Tiles, columns and trends must use a bounded number of queries whatever the county's size — and the
comparison whatever the number of counties; they read through the app's own selectors, which narrow every
read by ``clinics.selectors``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _

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


# One figure of the city / province comparison: the same shape as a township column, a cell per county id (its
# ``detail`` says the year before and the change) and the total of the counties shown.
CountyColumn = TownshipColumn


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
        return _rows(self.townships, self.columns)

    @property
    def totals(self):
        return [c.total or Cell("") for c in self.columns]


@dataclass
class RegionBoard:
    """The comparison of a city's or a province's counties."""

    counties: list
    columns: list[CountyColumn]
    year: int
    through_month: int

    def rows(self):
        """(county, [Cell per column]) in county code order; a county without a value shows "—"."""
        return _rows(self.counties, self.columns)

    @property
    def totals(self):
        return [c.total or Cell("") for c in self.columns]


def _rows(places, columns):
    """(place, [its Cell of each column]) for a table of places; a place without a value shows "—"."""
    empty = Cell("—")
    return [(place, [column.cells.get(place.pk, empty) for column in columns]) for place in places]


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


def region_board(*, user, counties, year: int, through_month: int, today: date) -> RegionBoard:
    """Every app's per-county figures for ``counties`` (already scoped to the user), year on year."""
    counties = list(counties)
    columns: list[CountyColumn] = []
    for module in _tile_modules():
        if hasattr(module, "county_columns"):
            columns.extend(
                module.county_columns(user=user, counties=counties, year=year, through_month=through_month, today=today)
            )
    return RegionBoard(
        counties=counties, columns=sorted(columns, key=lambda c: c.order), year=year, through_month=through_month
    )


def sum_pairs(pairs) -> tuple[int, int]:
    """(Σ parts, Σ wholes) of (part, whole) pairs: the total row of a rate."""
    pairs = list(pairs)
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def percent_cell(now: tuple[int | float, int | float], before: tuple[int | float, int | float]) -> Cell:
    """A rate (part ÷ whole) as a percent with one decimal, the year before beside it and the change in
    percentage points (百分点); "—" where there is nothing to divide by."""

    def rate(pair):
        part, whole = pair
        return None if not whole else 100 * part / whole

    this, last = rate(now), rate(before)
    value = "—" if this is None else f"{this:.1f}%"
    if last is None:
        return Cell(value, detail=_("去年同期无数据"))
    if this is None:
        return Cell(value, detail=_("去年同期 %(v).1f%%") % {"v": last})
    change = this - last
    if round(change, 1) == 0:
        return Cell(value, detail=_("去年同期 %(v).1f%%，持平") % {"v": last})
    return Cell(
        value,
        detail=_("去年同期 %(v).1f%%，%(sign)s%(d).1f 个百分点")
        % {"v": last, "sign": "+" if change >= 0 else "−", "d": abs(change)},
        level="warn" if change < 0 else "",
    )


def amount_cell(now, before) -> Cell:
    """A sum (money, points) with the year before and the change; ``None`` shows "—"."""
    value = "—" if now is None else f"{now:,}"
    if before is None:
        return Cell(value, detail=_("去年同期无数据"))
    if now is None:
        return Cell(value, detail=_("去年同期 %(v)s") % {"v": f"{before:,}"})
    change = now - before
    if not change:
        return Cell(value, detail=_("去年同期 %(v)s，持平") % {"v": f"{before:,}"})
    return Cell(
        value,
        detail=_("去年同期 %(v)s，%(sign)s%(d)s")
        % {"v": f"{before:,}", "sign": "+" if change >= 0 else "−", "d": f"{abs(change):,}"},
    )
