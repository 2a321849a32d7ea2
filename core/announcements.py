"""Publishing a public announcement (公示) without depending on the CMS.

Settlement (``subsidies``) must publish its approved payout table, but the CMS (``cms``) sits above it in
the layers: ``cms`` reads settlement figures for its dashboard tiles, and a module of a lower layer may
not import a higher one (``make lint`` checks this). So ``cms`` registers its publisher here when the app
registry is ready (``CmsConfig.ready``), and settlement calls ``publish``. Without the CMS installed,
``publish`` raises ``AnnouncementsUnavailable`` and settlement tells the user to post the Excel instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class AnnouncementsUnavailable(Exception):
    """No app publishes announcements (the CMS is not installed)."""


Publisher = Callable[..., Any]
_publisher: Publisher | None = None


def register_publisher(publisher: Publisher) -> None:
    global _publisher
    _publisher = publisher


def publish(
    *, county: Any, title: str, intro: str, table_headers: Sequence[str], table_rows: Sequence[Sequence[str]], user: Any
) -> Any:
    """Publish a 公示 with a table to the county's public notices; returns what the publisher made (a page)."""
    if _publisher is None:
        raise AnnouncementsUnavailable
    return _publisher(
        county=county,
        title=title,
        intro=intro,
        table_headers=list(table_headers),
        table_rows=list(table_rows),
        user=user,
    )
