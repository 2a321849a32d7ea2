"""The portal's colours read by a 55-year-old in the sun: every text colour on the background it is used on
reaches WCAG 2.1 AA (4.5:1). axe-core found the warning orange at 3.9:1 on its pale background (#21)."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "portal.css").read_text()


def _variables() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules():
    """(selector, foreground, background) of each rule that sets both, variables resolved."""
    names = _variables()
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        colour = re.search(r"(?<![-\w])color:\s*(var\(--([a-z-]+)\)|#[0-9a-fA-F]{6})", body)
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        if colour and background:
            value = names[colour.group(2)] if colour.group(2) else colour.group(1)
            yield selector.strip(), value, background.group(1)


def test_the_rules_are_found():
    found = {selector for selector, _fg, _bg in _rules()}
    assert {".msg.warning", ".msg.error"} <= found, found


@pytest.mark.parametrize("selector, foreground, background", list(_rules()))
def test_text_on_its_background_reaches_aa(selector, foreground, background):
    assert contrast(foreground, background) >= 4.5, (selector, foreground, background)


def test_muted_text_on_the_page_and_on_cards():
    names = _variables()
    assert contrast(names["muted"], names["bg"]) >= 4.5 and contrast(names["muted"], "#ffffff") >= 4.5
