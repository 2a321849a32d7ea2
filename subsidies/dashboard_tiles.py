"""Dashboard tiles of the subsidies app: latest scores and the current settlement estimate."""

from decimal import Decimal

from django.db.models import Avg, Count
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.selectors import active_clinic_counts
from core.charts import hbar_chart
from core.dashboard import Cell, CountyColumn, Tile, TownshipColumn, amount_cell
from subsidies.models import Assessment, SettlementLine
from subsidies.selectors.assessments import assessments_for, mean_score, score_sums_by_county, township_score_change
from subsidies.selectors.settlement import latest_estimates_by_township, money_paid_by_county, runs_for


def staff_tiles(*, user, townships, today):
    tiles = []
    latest = (
        assessments_for(user)
        .filter(status=Assessment.Status.SUBMITTED)
        .order_by("-year", "-quarter")
        .values("year", "quarter")
        .first()
    )
    if latest:
        rows = list(
            assessments_for(user)
            .filter(status=Assessment.Status.SUBMITTED, **latest)
            .values("clinic__township__name")
            .annotate(avg=Avg("total_score"), n=Count("id"))
            .order_by("clinic__township__name")
        )
        assessed = sum(r["n"] for r in rows)
        # The average of the clinics assessed (not of the townships' averages), said with how many it covers:
        # one early assessment must not pass for the county's figure.
        average = round(sum(float(r["avg"]) * r["n"] for r in rows) / assessed, 1)
        active = sum(active_clinic_counts(user, township_ids=[t.pk for t in townships]).values())
        low = assessments_for(user).filter(status=Assessment.Status.SUBMITTED, total_score__lt=60, **latest).count()
        tiles.append(
            Tile(
                title=_("%(y)s年第%(q)s季度考核") % {"y": latest["year"], "q": latest["quarter"]},
                order=50,
                value=_("%(n)s 个不合格") % {"n": low},
                level="danger" if low else "ok",
                url=reverse("assessments:ranking") + f"?year={latest['year']}&quarter={latest['quarter']}",
                chart=hbar_chart(
                    [(r["clinic__township__name"], float(r["avg"])) for r in rows], max_value=100, thresholds=(60, 80)
                )
                if len(rows) > 1
                else "",
                detail=_("平均分 %(a)s（已考核 %(n)s / %(all)s 个村卫生室）")
                % {"a": average, "n": assessed, "all": active},
            )
        )
    run = runs_for(user).order_by("-year", "-pk").first()
    if run:
        tiles.append(
            Tile(
                title=_("最新补助结算"),
                value=f"{run.total_balance:,} 元",
                order=60,
                url=reverse("settlement:run", args=[run.pk]),
                detail=f"{run} · {run.get_status_display()}",
            )
        )
    return tiles


def doctor_tiles(*, user, clinic, today):
    tiles = []
    assessment = (
        Assessment.objects.filter(clinic=clinic, status=Assessment.Status.SUBMITTED)
        .order_by("-year", "-quarter")
        .first()
    )
    if assessment and assessment.total_score is not None:  # a submitted assessment has its total
        tiles.append(
            Tile(
                title=_("最近考核得分"),
                value=str(assessment.total_score),
                order=40,
                level="danger" if assessment.total_score < 60 else "ok",
                url=reverse("portal_assessments:detail", args=[assessment.pk]),
                detail=_("%(y)s年第%(q)s季度") % {"y": assessment.year, "q": assessment.quarter},
            )
        )
    line = (
        SettlementLine.objects.filter(clinic=clinic, run__status__in=["approved", "announced", "paid"])
        .select_related("run__township", "run__county")
        .order_by("-run__year", "-run__pk")
        .first()
    )
    if line:
        tiles.append(
            Tile(
                title=_("最近一次补助"),
                value=f"{line.balance} 元",
                order=50,
                url=reverse("portal_settlement:line", args=[line.pk]),
                detail=str(line.run),
            )
        )
    return tiles


def _period(run):
    if run.quarter:
        return _("%(y)s年第%(q)s季度") % {"y": run.year, "q": run.quarter}
    return _("%(y)s年全年") % {"y": run.year}


def township_columns(*, user, townships, today):
    """Per township: the latest quarter's average score and its change, and the latest settlement estimate."""

    ids = [t.pk for t in townships]
    columns = []
    scores = township_score_change(user=user, township_ids=ids)
    if scores.latest:
        year, quarter = scores.latest
        url = reverse("assessments:ranking") + f"?year={year}&quarter={quarter}"
        cells = {}
        for tid in ids:
            latest, previous = scores.averages.get(tid, (None, None))
            if latest is None:
                continue
            change = ""
            if previous is not None:
                delta = latest - previous
                change = (
                    _("比上季度 %(sign)s%(d)s") % {"sign": "+" if delta > 0 else "", "d": delta}
                    if delta
                    else _("与上季度持平")
                )
            cells[tid] = Cell(
                f"{latest:.1f}",
                f"{url}&township={tid}",
                "danger" if latest < 60 else "warn" if latest < 80 else "ok",
                change,
            )
        help_text = _("%(y)s年第%(q)s季度已提交考核的平均分（百分制，60 分合格）") % {"y": year, "q": quarter}
        if scores.previous:
            help_text += _("，与%(y)s年第%(q)s季度相比的变化。") % {"y": scores.previous[0], "q": scores.previous[1]}
        columns.append(
            TownshipColumn(
                title=_("%(y)s年第%(q)s季度考核平均分") % {"y": year, "q": quarter},
                order=50,
                cells=cells,
                help=help_text,
                total=Cell("", url),
            )
        )
    estimates = latest_estimates_by_township(user=user, townships=townships)
    if estimates:
        cells = {
            tid: Cell(
                f"{e.balance:,}",
                reverse("settlement:run", args=[e.run.pk]),
                detail=_("%(q)s · %(s)s") % {"q": _period(e.run), "s": e.run.get_status_display()},
            )
            for tid, e in estimates.items()
        }
        total = sum((e.balance for e in estimates.values()), start=Decimal("0.00"))
        columns.append(
            TownshipColumn(
                title=_("最新补助结算（元）"),
                order=60,
                cells=cells,
                help=_(
                    "每个乡镇最近一次补助结算（乡镇结算或全县结算）中该乡镇各卫生室应拨金额合计；"
                    "草稿为测算数，审批前还会变化。"
                ),
                total=Cell(f"{total:,}", reverse("settlement:runs")),
            )
        )
    return columns


def county_columns(*, user, counties, year, through_month, today):
    """Per county, year on year: the mean assessment score, and the subsidy money sent to the clinics."""
    ids = [c.pk for c in counties]
    columns = []
    quarters = through_month // 3
    now = score_sums_by_county(user=user, county_ids=ids, year=year, through_month=through_month)
    before = score_sums_by_county(user=user, county_ids=ids, year=year - 1, through_month=through_month)

    def score_cell(sums, previous):
        cell = amount_cell(mean_score(*sums) if sums else None, mean_score(*previous) if previous else None)
        if sums:
            cell.detail = _("%(n)s 份考核；%(before)s") % {"n": sums[1], "before": cell.detail}
        return cell

    def overall(sums):
        n = sum(k for _total, k in sums.values())
        return (sum((total for total, _k in sums.values()), Decimal(0)), n) if n else None

    columns.append(
        CountyColumn(
            title=_("考核平均分"),
            order=30,
            help=(
                _("%(y)s年第1–%(q)s季度已提交的卫生室考核的平均得分（满分100）。") % {"y": year, "q": quarters}
                if quarters
                else _("%(y)s年还没有结束的季度，暂无考核。") % {"y": year}
            ),
            cells={c: score_cell(now.get(c), before.get(c)) for c in ids},
            total=score_cell(overall(now), overall(before)),
        )
    )
    paid = money_paid_by_county(user=user, county_ids=ids, year=year, through_month=through_month)
    paid_before = money_paid_by_county(user=user, county_ids=ids, year=year - 1, through_month=through_month)
    columns.append(
        CountyColumn(
            title=_("补助已拨付（元）"),
            order=31,
            help=_(
                "%(y)s年截至%(m)s月底已拨付给村卫生室的补助：按政策预拨的款项，加上已拨付的季度（全年）结算应拨数；更正结算不重复计算。"
            )
            % {"y": year, "m": through_month},
            cells={c: amount_cell(paid.get(c), paid_before.get(c)) for c in ids},
            total=amount_cell(
                sum(paid.values(), Decimal("0.00")) if paid else None,
                sum(paid_before.values(), Decimal("0.00")) if paid_before else None,
            ),
        )
    )
    return columns
