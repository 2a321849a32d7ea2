"""What a Chinese reader sees on a page, and the English or raw Python values in it (tests of Wagtail's admin and
of every page in the permission matrix use it)."""

import re
from html.parser import HTMLParser

# Words that are names, not English sentences; "English" is the language switch naming itself.
ALLOWED = {
    "Excel",
    "CSV",
    "PDF",
    "Wagtail",
    "ID",
    "URL",
    "Email",
    "RSS",
    "QR",
    "xlsx",
    "csv",
    "SVG",
    "XLSX",
    "ZIP",
    "English",
    "JPG",
    "JPEG",
    "PNG",
    "GIF",
    "WEBP",
    "DOCX",
    "XLS",
    "DOC",
    "ODT",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
RAW_VALUES = {"True", "False", "None", "<unknown>", "nan"}
PURE_ENGLISH = re.compile(r"^[A-Za-z][A-Za-z ,.'’:!?()…-]*$")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    """Text a person reads or hears: element text outside scripts, styles, templates, SVG and ``hidden`` elements,
    and the placeholder, title, aria-label, alt and button-value attributes."""

    INVISIBLE = {"script", "style", "template", "noscript", "svg"}
    # Elements that show a machine value as it is (a code, a temporary password): read, but never translated.
    VERBATIM = {"code", "kbd", "samp"}

    def __init__(self):
        super().__init__()
        self.hidden_depth = 0  # open elements since (and including) the outermost invisible one
        self.verbatim_depth = 0
        self.parts: list[str] = []
        self.verbatim: set[int] = set()  # indexes in ``parts`` of text inside a VERBATIM element

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.VERBATIM:
            self.verbatim_depth += 1
        if tag not in VOID and (self.hidden_depth or tag in self.INVISIBLE or "hidden" in attributes):
            self.hidden_depth += 1
        if self.hidden_depth:
            return
        for name in ("placeholder", "title", "aria-label", "alt"):
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in self.VERBATIM and self.verbatim_depth:
            self.verbatim_depth -= 1
        if self.hidden_depth and tag not in VOID:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            if self.verbatim_depth:
                self.verbatim.add(len(self.parts))
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def english_in(html: str, *, names: tuple[str, ...] = ()) -> list[str]:
    """Every piece of visible text with an English word in it (``names``: data such as user names, left out)."""
    found = []
    for part in visible_text(html):
        for name in names:
            part = part.replace(name, "")
        words = [w for w in WORD.findall(part) if w not in ALLOWED]
        if words:
            found.append(part)
    return found


def raw_or_english_in(html: str, *, names: frozenset[str] = frozenset()) -> list[str]:
    """Pieces of visible text that are a raw Python value (True, False, None) or wholly English words: what no page
    of ours may show, whatever data it lists (codes, file names and user names mix letters with digits or CJK)."""
    parser = _Visible()
    parser.feed(html)
    found = []
    for index, part in enumerate(parser.parts):
        if part in names:
            continue
        # Text in <code>, <kbd> or <samp> is a value shown as it is (a temporary password of random capitals may
        # spell no Chinese at all): only a raw Python value there is a fault.
        english = index not in parser.verbatim and PURE_ENGLISH.match(part)
        if part in RAW_VALUES or (english and [w for w in WORD.findall(part) if w not in ALLOWED]):
            found.append(part)
    return found
