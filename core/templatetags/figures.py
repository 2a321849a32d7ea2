"""Numbers as people read them: ``{{ ratio|percent }}`` — 0.9837 → "98.37%", 1 → "100%"."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """A ratio (completion rates and targets are stored as 0.95 for 95%) as a percentage, at most two
    decimals, no trailing zeros; "—" for no value."""
    if value in (None, ""):
        return "—"
    try:
        shown = (Decimal(str(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return "—"
    text = f"{shown:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
