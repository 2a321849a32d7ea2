"""The English catalogue is complete, keeps every placeholder, is compiled, and is what English pages show.

The .po file is read with a small parser (standard library only); the compiled .mo through Python's gettext.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# %(name)s / %(name)d, %s / %d, and the literal %% — what the % operator looks at.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|%[-#0 +]*\d*(?:\.\d+)?[sdifr]")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # {0: text} for a singular entry

    @property
    def translated(self) -> bool:
        needed = 2 if self.msgid_plural is not None else 1
        return len(self.msgstr) >= needed and all(self.msgstr.get(i) for i in range(needed))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The catalogue's live entries (no header, no obsolete #~ entries)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def finish():
        if current is not None and (current.msgid or current.msgctxt is not None):
            entries.append(current)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                finish()
                current, target = None, None
            if line.startswith("#,"):
                current = current or Entry(line=number)
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        if keyword in ("msgctxt", "msgid") and current is not None and target is not None and target[0] == "msgstr":
            finish()
            current = None
        if current is None:
            current = Entry(line=number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgstr" or match:
            index = int(match.group(1)) if match else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def _first(items: list[str], limit: int = 10) -> str:
    shown = "\n  ".join(items[:limit])
    more = f"\n  … and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {shown}{more}"


def _entries() -> list[Entry]:
    entries = parse_po(PO_FILE)
    assert len(entries) > 1000, f"only {len(entries)} entries parsed from {PO_FILE}"
    return entries


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = _entries()
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in entries if not e.translated]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert not (untranslated or fuzzy), (
        f"{PO_FILE.name}: {len(untranslated)} untranslated entries:{_first(untranslated)}\n"
        f"{len(fuzzy)} fuzzy entries:{_first(fuzzy)}"
    )


def test_english_translations_keep_every_python_format_placeholder():
    problems = []
    for e in _entries():
        if "python-format" not in e.flags:
            continue
        pairs = [(e.msgid, e.msgstr.get(0, ""))]
        if e.msgid_plural is not None:
            pairs.append((e.msgid_plural, e.msgstr.get(1, "")))
        for source, translation in pairs:
            wanted, got = set(PLACEHOLDER.findall(source)), set(PLACEHOLDER.findall(translation))
            if wanted - got:
                problems.append(f"line {e.line}: {source!r} → {translation!r} lacks {sorted(wanted - got)}")
            named_extra = {p for p in got - wanted if p.startswith("%(")}
            if named_extra:  # would raise KeyError when the string is formatted
                problems.append(f"line {e.line}: {source!r} → {translation!r} adds {sorted(named_extra)}")
    assert not problems, f"{len(problems)} placeholder problems:{_first(problems)}"


def test_english_translations_are_english():
    """No Chinese left in a translation unless the source quotes it as an example (e.g. 是/否, a document number)."""
    allowed = {
        "例如：青卫发〔2026〕12 号。没有文号可留空。",
        "搜索通知，例如：村医 补助 高血压",
        "“%(value)s”应填写“是”或“否”",
        "例如：阿莫西林 或 amxl",
    }
    chinese = [
        f"line {e.line}: {e.msgid!r} → {t!r}"
        for e in _entries()
        if e.msgid not in allowed
        for t in e.msgstr.values()
        if CJK.search(t)
    ]
    assert not chinese, f"{len(chinese)} translations still contain Chinese:{_first(chinese)}"


def test_compiled_english_catalogue_matches_the_po_file():
    """django.mo was rebuilt after the last change to django.po (compilemessages)."""
    assert MO_FILE.exists(), "run: python manage.py compilemessages -l en --ignore=.venv"
    with MO_FILE.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    stale = []
    for e in _entries():
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if catalogue.gettext(key) != e.msgstr[0]:
                stale.append(f"line {e.line}: {e.msgid!r}")
        elif (catalogue.ngettext(key, e.msgid_plural, 1), catalogue.ngettext(key, e.msgid_plural, 2)) != (
            e.msgstr[0],
            e.msgstr[1],
        ):
            stale.append(f"line {e.line}: {e.msgid!r}")
    assert not stale, f"django.mo is out of date for {len(stale)} entries (run compilemessages):{_first(stale)}"


# --------------------------------------------------------------------------- pages in English

ENGLISH = [
    "Village doctor portal",
    "Log out",
    "My clinic",
    "Monthly report",
    "Quota progress",
    "Service population",
    "Township",
    "Village Clinic Public Health Services Management",
]
CHINESE = [
    "村医工作台",
    "退出",
    "我的卫生室",
    "填报月报",
    "任务进度",
    "服务人口",
    "所属乡镇",
    "村卫生室公共卫生服务管理系统",
]


def _assert_english(page: str):
    assert '<html lang="en"' in page
    assert [s for s in ENGLISH if s not in page] == []
    assert [s for s in CHINESE if s in page] == []


def test_doctor_portal_renders_in_english_from_the_accept_language_header(org, client_for):
    client = client_for(org.users.doctor)
    chinese = client.get("/portal/").content.decode()
    assert '<html lang="zh-hans"' in chinese and all(s in chinese for s in CHINESE)
    assert 'lang="en">English</button>' in chinese  # the switch names each language in itself
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    _assert_english(response.content.decode())
    assert 'lang="zh-hans">简体中文</button>' in response.content.decode()


def test_language_switch_form_turns_the_doctor_portal_english(org, client_for):
    client = client_for(org.users.doctor)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _assert_english(client.get("/portal/").content.decode())
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
    assert "村医工作台" in client.get("/portal/").content.decode()
