"""Chinese search of notices that behaves the same on SQLite and PostgreSQL.

PostgreSQL's full-text search (and Wagtail's database backend built on it) splits text at spaces and
punctuation, so a Chinese sentence becomes one "word" and 村医 is never found inside it. Instead:

- each notice keeps ``search_text``: its title, number, issuing body and body as plain text,
  normalised (NFKC folds full-width letters and digits, lower case, collapsed spaces);
- a query is normalised the same way and cut into words: short chunks (up to 4 characters, the
  length of almost every Chinese search word: 村医, 补助, 高血压) are kept whole, longer chunks are
  segmented with jieba, a maintained Chinese word segmenter, so 乡村医生补助标准 looks for
  乡村 + 医生 + 补助 + 标准 wherever they occur;
- a notice matches when it contains every word (``icontains``: LIKE on SQLite, ILIKE on PostgreSQL,
  the same substring semantics on both); title matches rank first, then the newest.

A county publishes hundreds of notices a year, so a substring scan of their text costs milliseconds;
if that ever grows, a pg_trgm GIN index on ``search_text`` speeds up the same ILIKE on PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from html import unescape

import jieba
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

_SPLIT = re.compile(r"[\s,.;:!?，。；：！？、（）()《》〈〉“”‘’\"'·…—\-\[\]【】]+")
WHOLE_WORD_MAX = 4
MAX_TERMS = 8


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"\s+", " ", text).strip()


def _segment(chunk: str) -> list[str]:

    jieba.setLogLevel(logging.WARNING)
    words = [w for w in jieba.lcut(chunk) if w.strip()]
    longer = [w for w in words if len(w) > 1]
    return longer or words


def query_terms(query: str) -> list[str]:
    """The words a query looks for, in order, without repeats."""
    terms: list[str] = []
    for chunk in _SPLIT.split(normalise_text(query)):
        if not chunk:
            continue
        for word in [chunk] if len(chunk) <= WHOLE_WORD_MAX else _segment(chunk):
            if word not in terms:
                terms.append(word)
    return terms[:MAX_TERMS]


def search_notices(notices: QuerySet, query: str) -> QuerySet:
    terms = query_terms(query)
    if not terms:
        return notices.none()
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    whole = normalise_text(query)
    return (
        notices.filter(condition)
        .annotate(
            title_hit=Case(When(title__icontains=whole, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("-title_hit", "-issued_on", "-pk")
    )


def _block_text(block) -> list[str]:
    kind, value = block.block_type, block.value
    if kind == "paragraph":
        return [unescape(strip_tags(value.source))]
    if kind == "heading":
        return [str(value)]
    if kind == "table":
        return [" ".join(str(cell) for row in (value or {}).get("data") or [] for cell in row if cell)]
    if kind == "image":
        return [value.get("caption") or ""]
    if kind == "document" and value is not None:
        return [value.title]
    return []


def notice_plain_text(page, *, include_title: bool = True) -> str:
    parts = [page.title, page.document_number, page.issuing_body, page.summary] if include_title else []
    for block in page.body or []:
        parts.extend(_block_text(block))
    return "\n".join(p for p in parts if p)


def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` HTML-escaped, each occurrence of a search word wrapped in <mark> (case-insensitive; longer words
    first, so 高血压 is marked whole rather than 高血 inside it)."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces += [escape(text[last : match.start()]), format_html("<mark>{}</mark>", match.group(0))]
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # every piece was escaped above
