"""Our templates carry no style="" attributes (the CSP's 'unsafe-inline' for styles is there for Wagtail only):
admin looks live in static/css/admin.css, loaded on every admin page; the portal's in static/css/portal.css."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def our_templates() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    folders += [Path(a.path) / "templates" for a in apps.get_app_configs()]
    files = set()
    for folder in folders:
        folder = folder.resolve()
        if folder.is_dir() and folder.is_relative_to(base) and ".venv" not in folder.parts:
            files.update(folder.rglob("*.html"))
    return sorted(files)


def test_no_template_of_ours_has_a_style_attribute():
    templates = our_templates()
    assert any(p.match("*/subsidies/assessments/admin_list.html") for p in templates)
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STYLE_ATTRIBUTE.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_every_admin_page_loads_the_admin_stylesheet(org, client_for):
    page = client_for(org.users.township).get(reverse("assessments:list")).content.decode()
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/admin(\.[0-9a-f]+)?\.css">', page)
    assert 'class="filter-line"' in page and "style=" not in page.split("<main", 1)[1].split("</main>", 1)[0]
