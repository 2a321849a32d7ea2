"""Cached public pages: rendered fragments are keyed on a version that every publish, unpublish and
delete of a page moves on, so a cached page is never staler than the last change."""

import time

from django.core.cache import cache

VERSION_KEY = "cms:notices-version"
TIMEOUT = 60  # short: a notice that expires between publish_scheduled runs leaves lists within a minute


def notices_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.set(VERSION_KEY, version, None)
    return version


def bump_notices_version() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), None)


def cache_key_for(request) -> str:
    """What a visitor may see depends on who they are: one key for all anonymous visitors, one per login."""
    user = getattr(request, "user", None)
    who = f"u{user.pk}" if user is not None and user.is_authenticated else "anon"
    return f"{notices_version()}:{who}"
