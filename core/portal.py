"""The village-doctor portal's shell: the home tiles every app registers.

Each app calls ``register_portal_link`` in its ``AppConfig.ready``; ``clinics.portal.home`` shows them.
"""

from __future__ import annotations

from django.utils.functional import Promise

# (order, label, url name, icon text), kept sorted by order.
PORTAL_LINKS: list[tuple[int, str | Promise, str, str]] = []


def register_portal_link(*, order: int, label: str | Promise, url_name: str, icon: str = "•") -> None:
    PORTAL_LINKS.append((order, label, url_name, icon))
    PORTAL_LINKS.sort(key=lambda link: link[0])
