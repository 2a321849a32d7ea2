from django import template

from cms.search import highlight

register = template.Library()


@register.filter(name="highlight")
def highlight_filter(text, terms):
    """``{{ n.title|highlight:terms }}``: the search words of the results page marked in the text."""
    return highlight(str(text or ""), list(terms or []))


@register.filter(name="labelled_rows")
def labelled_rows(value):
    """A table block's body rows as [(column heading, cell)], so that each cell can carry its column's name
    (``data-label``): on a phone the table is shown as one card per row, its headings beside the values."""
    data = list(value.get("data") or [])
    if not data:
        return []
    headings = data[0] if value.get("first_row_is_table_header") else []
    body = data[1:] if headings else data
    return [[((headings[i] if i < len(headings) else "") or "", cell) for i, cell in enumerate(row)] for row in body]
