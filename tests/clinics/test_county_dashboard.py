"""The county dashboard: every township's figures side by side, checked against the data behind them;
trends per month; scope; a bounded number of queries whatever the number of townships and clinics."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from core.dashboard import county_board
from tests.clinics.county_data import TODAY, add_townships, build_county_a
from tests.permissions import DENIED, matches


def column(board, prefix):
    return next(c for c in board.columns if c.title.startswith(prefix))


def cell(board, prefix, township):
    return column(board, prefix).cells[township.pk]


@pytest.fixture
def board(org):
    build_county_a(org)
    return county_board(user=org.users.county, county=org.county_a, today=TODAY)


def test_one_row_per_township_of_the_county(org, board):
    assert [t.code for t in board.townships] == ["A1", "A2"]
    assert [t.name for t, _cells in board.rows()] == ["城关镇", "石桥镇"]
    assert all(len(cells) == len(board.columns) for _t, cells in board.rows())


def test_clinics_and_this_months_reports(org, board):
    assert cell(board, "在运行的村卫生室", org.ta1).value == "2"
    assert cell(board, "在运行的村卫生室", org.ta2).value == "1"
    # March: A1a submitted (awaiting verification), A1b nothing; A2a verified. County B's report not counted.
    assert cell(board, "3月月报未报", org.ta1).value == "1" and cell(board, "3月月报未报", org.ta1).level == "danger"
    assert cell(board, "3月月报未报", org.ta2).value == "0"
    assert cell(board, "3月月报待核实", org.ta1).value == "1" and cell(board, "3月月报待核实", org.ta2).value == "0"
    assert column(board, "3月月报未报").total.value == "1" and column(board, "3月月报待核实").total.value == "1"
    link = urlparse(cell(board, "3月月报待核实", org.ta1).url)
    assert link.path == reverse("reports:list")
    assert parse_qs(link.query) == {
        "year": ["2026"],
        "month": ["3"],
        "status": ["submitted"],
        "township": [str(org.ta1.pk)],
    }


def test_completion_and_pace(org, board):
    # A1: verified 12 + 20 of quotas 120 + 60 → 17%; A1b (0 of the 15 due by March) is behind, A1a (32 ≥ 30) is not.
    assert cell(board, "任务完成率", org.ta1).value == "18%"  # round(100 × 32 / 180)
    assert cell(board, "任务完成率", org.ta2).value == "40%"
    assert column(board, "任务完成率").total.value == "26%"  # 72 / 280
    assert cell(board, "进度落后", org.ta1).value == "1" and cell(board, "进度落后", org.ta2).value == "0"
    assert cell(board, "任务完成率", org.ta1).url == reverse("reports:matrix") + f"?year=2026&township={org.ta1.pk}"


def test_licences(org, board):
    assert cell(board, "90天内到期", org.ta1).value == "1" and cell(board, "90天内到期", org.ta2).value == "0"
    assert cell(board, "已过期", org.ta1).value == "0" and cell(board, "已过期", org.ta2).value == "1"
    assert column(board, "已过期").total.value == "1"  # county B's lapsed licence is not counted
    assert cell(board, "已过期", org.ta2).url == reverse("doctors:worklist") + f"?township={org.ta2.pk}"


def test_scores_and_change(org, board):
    scores = column(board, "2026年第1季度考核平均分")
    assert scores.cells[org.ta1.pk].value == "75.0"  # (80 + 70) / 2; the draft's 10 is not counted
    assert scores.cells[org.ta1.pk].detail == "比上季度 +5.00"  # 2025 Q4: 70
    assert scores.cells[org.ta2.pk].value == "55.0" and scores.cells[org.ta2.pk].level == "danger"
    assert scores.cells[org.ta2.pk].detail == ""  # no previous quarter


def test_markup_violations(org, board):
    assert (
        cell(board, "2026年加价销售", org.ta2).value == "2"
        and cell(board, "2026年加价销售", org.ta2).detail == "3.50 元"
    )
    assert cell(board, "2026年加价销售", org.ta1).value == "0"
    query = parse_qs(urlparse(cell(board, "2026年加价销售", org.ta2).url).query)
    assert query["clinic__township"] == [str(org.ta2.pk)] and query["date_after"] == ["2026-01-01"]


def test_settlement_estimate_from_the_latest_run(org, board):
    estimate = column(board, "最新补助结算")
    assert estimate.cells[org.ta1.pk].value == "1,500.25" and estimate.cells[org.ta2.pk].value == "300.25"
    assert "草稿" in estimate.cells[org.ta1.pk].detail
    assert estimate.total.value == "1,800.50"


def test_trends_per_month(org, board):
    titles = [t.title for t in board.trends]
    assert titles == ["2026年全县按月情况", "各乡镇月报按时上报率", "各乡镇累计任务完成率"]
    on_time = board.trends[1].chart
    # A1: January on time (1 of 2 clinics), February late, March on time → 50%, 0%, 50%; A2: 0, 0, 100%.
    assert "城关镇：1月 50%，2月 0%，3月 50%" in on_time
    assert "石桥镇：1月 0%，2月 0%，3月 100%" in on_time
    completion = board.trends[2].chart
    assert "城关镇：1月 6%，2月 17%，3月 17%" in completion  # cumulative verified ÷ 180
    assert "石桥镇：1月 0%，2月 0%，3月 40%" in completion


def test_completion_trend_ends_where_the_table_does(org):
    from programs.selectors.reports import completion_by_month, township_matrix

    build_county_a(org)
    series = completion_by_month(
        user=org.users.county, township_ids=[org.ta1.pk, org.ta2.pk], year=2026, through_month=3
    )
    _items, rows = township_matrix(user=org.users.county, year=2026, through_month=3)
    for township in (org.ta1, org.ta2):
        mine = [r for r in rows if r.clinic.township_id == township.pk]
        done = sum(min(v, q) for r in mine for v, q, _p in r.cells)
        assert series[township.pk].done[-1] == done


def test_page_for_the_county_admin(org, client_for):
    build_county_a(org)
    page = client_for(org.users.county).get(reverse("dashboard:county"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "青山县各乡镇工作对比" in html and "城关镇" in html and "石桥镇" in html and "全县合计" in html
    assert "柳河乡" not in html  # county B
    assert html.count('<svg class="chart') == 3
    charts = html[html.index('data-testid="county-table"') :]
    assert "http://" not in charts.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from the internet


def test_other_county_sees_only_its_own(org, client_for):
    build_county_a(org)
    html = client_for(org.users.other_county).get(reverse("dashboard:county")).content.decode()
    assert "柳河乡" in html and "城关镇" not in html
    assert client_for(org.users.other_county).get(reverse("dashboard:county") + "?county=QS").status_code == 404


def test_superuser_picks_a_county(org, client_for):
    client = client_for(org.users.superuser)
    html = client.get(reverse("dashboard:county") + "?county=LS").content.decode()
    assert "绿水县各乡镇工作对比" in html and "柳河乡" in html and "城关镇" not in html
    assert client.get(reverse("dashboard:county") + "?county=NOPE").status_code == 404


def test_township_staff_and_doctors_are_refused(org, client_for):
    assert matches(DENIED, client_for(org.users.township).get(reverse("dashboard:county")))
    assert client_for(org.users.doctor).get(reverse("dashboard:county")).status_code == 302


def test_admin_home_links_to_it_for_county_admins_only(org, client_for):
    link = reverse("dashboard:county")
    assert link in client_for(org.users.county).get(reverse("wagtailadmin_home")).content.decode()
    assert link not in client_for(org.users.township).get(reverse("wagtailadmin_home")).content.decode()


def test_bounded_queries_whatever_the_county_size(org, client_for, django_assert_max_num_queries):
    build_county_a(org)
    client = client_for(org.users.county)
    url = reverse("dashboard:county")
    client.get(url)
    with django_assert_max_num_queries(45) as small:
        assert client.get(url).status_code == 200
    add_townships(org, 6, 8)
    with django_assert_max_num_queries(45) as large:
        html = client.get(url).content.decode()
    assert "新" in html
    assert len(large.captured_queries) == len(small.captured_queries)
