"""Every string of Wagtail's admin has a Simplified Chinese translation: Wagtail's own catalogue, or the project's
override in locale/zh_Hans (files in LOCALE_PATHS come first). After a Wagtail upgrade this test names the new
strings to translate."""

import gettext
from pathlib import Path

import wagtail
from django.conf import settings

from tests.test_translations import parse_po

WAGTAIL_DIR = Path(wagtail.__file__).parent
# The Wagtail apps in INSTALLED_APPS whose strings staff can meet ("" is wagtail itself).
APPS = ["admin", "contrib/redirects", "contrib/table_block", "documents", "images", "snippets", "users", "", "locales"]
OURS = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _translated(path: Path) -> set[tuple[str | None, str]]:
    if not path.exists():
        return set()
    return {
        (e.msgctxt, e.msgid) for e in parse_po(path) if "fuzzy" not in e.flags and e.msgstr and all(e.msgstr.values())
    }


def test_every_wagtail_admin_string_has_a_chinese_translation():
    missing = []
    for domain in ("django", "djangojs"):
        ours = _translated(OURS / f"{domain}.po")
        for app in APPS:
            locale = WAGTAIL_DIR / app / "locale" if app else WAGTAIL_DIR / "locale"
            source = locale / "en" / "LC_MESSAGES" / f"{domain}.po"
            if not source.exists():
                continue
            theirs = _translated(locale / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po")
            missing += [
                f"{domain} {app or 'wagtail'}: {e.msgid!r}"
                for e in parse_po(source)
                if (e.msgctxt, e.msgid) not in theirs | ours
            ]
    assert not missing, f"{len(missing)} Wagtail strings have no Chinese; add them to locale/zh_Hans:\n" + "\n".join(
        missing[:30]
    )


def test_our_chinese_overrides_are_compiled():
    """The .mo files were rebuilt after the last change to the .po files (compilemessages -l zh_Hans)."""
    stale = []
    for domain in ("django", "djangojs"):
        with (OURS / f"{domain}.mo").open("rb") as fh:
            catalogue = gettext.GNUTranslations(fh)
        for e in parse_po(OURS / f"{domain}.po"):
            key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
            got = catalogue.gettext(key) if e.msgid_plural is None else catalogue.ngettext(key, e.msgid_plural, 1)
            if got != e.msgstr[0]:
                stale.append(f"{domain}: {e.msgid!r}")
    assert not stale, f"run: python manage.py compilemessages -l zh_Hans --ignore=.venv; stale: {stale[:10]}"
