"""Query-string filters never answer 500 and never show another scope's data.

Every staff list / report view of ours that reads ``request.GET`` (and the portal and public pages that do)
is hit with junk values, one parameter at a time and all at once, as township staff and as county admin
(doctors for the portal). Each answer must be 200 or 404; the test client re-raises any exception, so a
traceback fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.urls import reverse

JUNK = ["LSB", "-1", "1e3", "²", "99999999999999999999", "0", " ", "2026-13", "%00", "٣"]
# Names shown only for county B's places: must never appear on county A's users' pages.
OTHER_COUNTY_NAMES = ["赵寨村卫生室", "柳河乡"]


@dataclass
class View:
    name: str
    params: list[str]
    roles: tuple = ("township", "county")
    args: object = None  # fn(org) -> reverse() args
    path: object = None  # fn(org) -> path (pages Wagtail serves)
    html: bool = True
    extra: list = field(default_factory=list)


def _public_notice(org):
    from tests.cms.conftest import add_notice

    return [add_notice(org.county_a, "筛选测试通知").pk]


def _notice_index(org):
    from cms.models import NoticeIndexPage

    return NoticeIndexPage.objects.get(county=org.county_a).url


def _run(org):
    from subsidies.models import SettlementRun

    run = SettlementRun.objects.filter(county=org.county_a).first()
    return [run.pk] if run else None


YEAR_PLACE = ["year", "township", "clinic", "county", "month", "through"]

VIEWS = [
    View("dashboard:county", ["county", "year"], roles=("county",)),
    View("reports:list", [*YEAR_PLACE, "status", "p"]),
    View("reports:matrix", YEAR_PLACE),
    View("reports:matrix_export", YEAR_PLACE, html=False),
    View("reports:periods", ["year", "township"]),
    View("drugs:violation_totals", ["start", "end", "township"]),
    View("doctors:worklist", ["township", "clinic"]),
    View("doctors:renewals", ["status", "township"]),
    View("doctors:training", ["year", "behind", "township"]),
    View("assessments:list", ["year", "quarter", "township", "clinic"]),
    View("assessments:ranking", ["year", "quarter", "township"]),
    View("assessments:ranking_export", ["year", "quarter", "township"], html=False),
    View("settlement:runs", ["year", "township"]),
    View("receipts:list", ["category", "page"]),
    View("receipts:detail", ["township"], args=_public_notice),
    View("receipts:unread_export", ["township"], args=_public_notice, html=False),
    View(
        "data:export", ["township", "year", "month", "status", "format", "q"], args=lambda org: ["clinics"], html=False
    ),
    View("data:export", ["township", "year", "month"], args=lambda org: ["service_reports"], html=False),
    View("data:export", ["township", "year"], args=lambda org: ["quotas"], html=False),
    View("notices:search", ["q", "page"], roles=("anonymous", "township", "county", "doctor")),
    View("notice-index", ["category", "year", "page"], roles=("anonymous", "doctor", "county"), path=_notice_index),
    View("portal_reports:progress", ["year"], roles=("doctor",)),
    View("portal_reports:progress_export", ["year"], roles=("doctor",), html=False),
    View("portal_drugs:sell", ["q", "drug"], roles=("doctor",)),
    View("login_security:log", ["kind", "p"], roles=("county",)),
]


def _queries(view, org):
    """Each parameter alone with each junk value, all of them at once, and county B's ids and codes."""
    foreign = {"township": org.tb1.pk, "clinic": org.cb1a.pk, "county": org.county_b.pk}
    for value in JUNK:
        for param in view.params:
            yield {param: value}
        yield dict.fromkeys(view.params, value)
    yield {p: foreign[p] for p in view.params if p in foreign}
    if "county" in view.params:
        yield {"county": org.county_b.code}
    # The combination the issue reported.
    yield {"township": 4, "clinic": 10, "county": 2}
    yield {"county": "LSB"}


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.name}-{'-'.join(v.params[:2])}")
def test_junk_filters_never_500_nor_leak(view, org, client_for):
    base = view.path(org) if view.path else reverse(view.name, args=view.args(org) if view.args else [])
    failures = []
    for role in view.roles:
        user = None if role == "anonymous" else getattr(org.users, role)
        client = client_for(user)
        client.raise_request_exception = False  # collect every failing URL; a 500 is a failure below
        baseline = client.get(base)
        assert baseline.status_code == 200, f"{role} {base}: {baseline.status_code}"
        for query in _queries(view, org):
            url = f"{base}?{urlencode(query)}"
            response = client.get(url)
            if response.status_code not in (200, 404):
                failures.append(f"{role} {url}: {response.status_code}")
                continue
            if view.html and response.status_code == 200 and role != "anonymous":
                content = response.content.decode()
                leaked = [name for name in OTHER_COUNTY_NAMES if name in content]
                if leaked:
                    failures.append(f"{role} {url}: shows {leaked}")
    assert not failures, "\n".join(failures[:40])


def test_out_of_scope_township_is_explained(org, client_for):
    """Another county's township on the matrix: an empty table and a Chinese explanation, not that county's data."""
    client = client_for(org.users.county)
    response = client.get(reverse("reports:matrix"), {"township": org.tb1.pk, "year": "2026"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "筛选条件无效" in content
    assert "赵寨村卫生室" not in content
    response = client.get(reverse("reports:matrix"), {"year": "LSB"})
    assert "筛选条件无效" in response.content.decode()


@pytest.mark.parametrize("township", ["99999999999999999999", "LSB", "²", "-1"])
def test_statement_batch_for_a_bad_or_foreign_township_is_404(org, client_for, township):
    from subsidies.models import StatementBatch
    from tests.subsidies.matrix_settlement import run_a1

    run = run_a1(org)
    client = client_for(org.users.county)
    url = reverse("settlement:statements", args=[run.pk])
    assert client.get(url, {"township": township}).status_code == 404
    assert client.get(url, {"township": org.tb1.pk}).status_code == 404  # county B's township
    assert not StatementBatch.objects.exists()
