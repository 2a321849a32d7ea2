"""Settlement runs: compute (and recompute while a draft), confirm, approve, announce, pay; adjustments.

An approved run never changes: corrections are new adjustment runs that reference it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from clinics import audit as history
from clinics.models import County, Township
from clinics.selectors import can_administer_county, can_manage_township
from core import announcements, audit
from core.versioning import bump, check_version
from programs.services.periods import lock_periods
from subsidies import calculation
from subsidies.fields import dumps
from subsidies.models import SettlementLine, SettlementRun, SubsidyPolicy
from subsidies.selectors import settlement as selectors
from subsidies.selectors.policy_check import warnings_for
from subsidies.selectors.settlement import ClinicFacts, gather_inputs, period_months, policy_inputs
from subsidies.services.background import background_reads

if TYPE_CHECKING:
    from django.contrib.auth.models import User


Status = SettlementRun.Status
# Clinic id → item code → the item's figures (``programs.selectors.reports.item_figures``).
Figures: TypeAlias = dict[int, dict[str, calculation.ItemFigures]]
# A settlement line as stored (``_LINE_COLUMNS``).
LineRow: TypeAlias = tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal | None, str]


def _ensure_may_prepare(user: User | None, county_id: int, township: Township | None) -> None:
    if user is None:  # the command line (manage.py settle) is trusted
        return
    if can_administer_county(user, county_id):
        return
    if township is not None and can_manage_township(user, township):
        return
    raise PermissionDenied


_LINE_COLUMNS = (
    "run_id",
    "clinic_id",
    "public_health",
    "drug_subsidy",
    "deductions",
    "advances",
    "balance",
    "previous_balance",
    "explanation",
)


def _line_row(run_id: int, x: calculation.LineResult, previous_balance: Decimal | None) -> LineRow:
    """A line as the row stored, its explanation already encoded (text, much smaller than the objects)."""
    return (
        run_id,
        x.clinic_id,
        x.public_health,
        x.drug_subsidy,
        x.deductions,
        x.advances,
        x.balance,
        previous_balance,
        dumps(x.explanation),
    )


def _insert_lines(rows: Iterable[LineRow]) -> None:
    """Insert settlement lines given as ``_line_row`` tuples, possibly a generator that computes them while
    they are written.

    On PostgreSQL through one COPY: binding tens of thousands of JSON parameters dominates a province run
    otherwise (measured: ~0.7 s per 600 lines with bulk_create). The server takes in the rows while Python
    computes and encodes the next ones (psycopg's queued writer sends from its own thread); explanations are
    encoded with orjson (a province's 30,000: ~0.4 s instead of ~2.5 s with json)."""

    if connection.vendor != "postgresql":
        batch = []
        for row in rows:
            batch.append(SettlementLine(**dict(zip(_LINE_COLUMNS, row, strict=True))))
            if len(batch) == 2000:
                SettlementLine.objects.bulk_create(batch)
                batch = []
        SettlementLine.objects.bulk_create(batch)
        return

    statement = f"COPY {SettlementLine._meta.db_table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


def _compute(
    policy: SubsidyPolicy, inputs: list[calculation.ClinicInputs], *, quarter: int | None
) -> tuple[list[calculation.LineResult], dict[str, Any]]:
    return calculation.compute(policy_inputs(policy, quarter=quarter), inputs)


def _set_totals(run: SettlementRun, totals: dict[str, Any]) -> None:
    run.total_public_health, run.total_drug = totals["public_health"], totals["drug"]
    run.total_deductions, run.total_advances, run.total_balance = (
        totals["deductions"],
        totals["advances"],
        totals["balance"],
    )
    run.scale_factor = totals["scale"].quantize(Decimal("0.0000000001")) if totals["scale"] else None
    run.computed_at = timezone.now()


_TOTAL_FIELDS = [
    "total_public_health",
    "total_drug",
    "total_deductions",
    "total_advances",
    "total_balance",
    "scale_factor",
    "computed_at",
]


def _write_lines(
    run: SettlementRun, inputs: list[calculation.ClinicInputs], *, user: User | None, fresh: bool = False
) -> SettlementRun:
    """Compute and store a run's lines (a change of the run by ``user``). ``fresh``: a run just created has
    no previous lines to keep."""
    lines, totals = _compute(run.policy, inputs, quarter=run.quarter)
    previous: dict[int, Decimal] = {}
    if not fresh:
        previous = selectors.previous_balances(run)
        run.lines.all().delete()
    _insert_lines(_line_row(run.pk, x, previous.get(x.clinic_id)) for x in lines)
    _set_totals(run, totals)
    # What the policy pays nothing for in these very figures; a recomputation asks for a new acknowledgement.
    run.warnings = [w.as_dict() for w in warnings_for(policy=run.policy, clinics=((x.name, x.items) for x in inputs))]
    run.warnings_acknowledged_by = None
    bump(run, user)
    run.save()
    return run


@transaction.atomic
@audit.by_user
def create_run(
    *,
    user: User | None,
    policy: SubsidyPolicy,
    year: int,
    quarter: int | None,
    township: Township | None = None,
    inputs: list[calculation.ClinicInputs] | None = None,
    adjusts: SettlementRun | None = None,
) -> SettlementRun:
    """A draft run computed from the period's data (or from given inputs, e.g. in a simulation)."""
    county = policy.county
    _ensure_may_prepare(user, county.pk, township)
    if township is not None and township.county_id != county.pk:
        raise ValidationError(_("乡镇不属于该政策所在的县。"))
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError({"quarter": _("季度必须是 1 到 4，或留空表示全年。")})
    if policy.year != year:
        raise ValidationError(_("政策年度与结算年度不一致。"))
    if adjusts is not None:
        adjusts = SettlementRun.objects.get(pk=adjusts.pk)
    if adjusts is not None and not adjusts.locked:
        raise ValidationError(_("只有已审批的结算才需要更正；草稿可以直接重新计算。"))
    run = SettlementRun.objects.create(
        county=county, township=township, year=year, quarter=quarter, policy=policy, prepared_by=user, adjusts=adjusts
    )
    if inputs is None:
        inputs = gather_inputs(county=county, year=year, quarter=quarter, township=township)
    return _write_lines(run, inputs, user=user, fresh=True)


@transaction.atomic
@audit.by_user
def create_province_runs(
    *, user: User | None, policies: Iterable[SubsidyPolicy], year: int, quarter: int | None
) -> list[SettlementRun]:
    """One draft run per county (each with its own policy), from one pass over the whole province.

    Queries: about twenty, whatever the number of clinics and counties — the small per-clinic figures are read
    once (``ClinicFacts``), the per item figures in at most PROVINCE_READ_GROUPS groups, the runs are created
    and their totals written in bulk, and every line goes through one COPY on PostgreSQL. Gives exactly the
    lines of one ``create_run`` per county (tested)."""
    policies = list(policies)
    for policy in policies:
        _ensure_may_prepare(user, policy.county_id, None)
        if policy.year != year:
            raise ValidationError(_("政策年度与结算年度不一致。"))
    county_ids = [p.county_id for p in policies]
    chosen = selectors.active_clinics(county_ids=county_ids)
    runs = SettlementRun.objects.bulk_create(
        [SettlementRun(county_id=p.county_id, year=year, quarter=quarter, policy=p, prepared_by=user) for p in policies]
    )
    priced = selectors.priced_items_by_policy(policies)
    prepared = [policy_inputs(p, quarter=quarter, items=priced[p.pk]) for p in policies]
    facts = ClinicFacts(chosen, year=year, quarter=quarter)

    def compute(group: list[int], figures: Figures) -> Iterator[LineRow]:
        for i in group:
            lines, totals = calculation.compute(prepared[i], facts.inputs(county_ids[i], figures))
            _set_totals(runs[i], totals)
            for line in lines:
                yield _line_row(runs[i].pk, line, None)

    # The province's figures are read a group of counties at a time, the next group in the background while
    # this one is computed: the database aggregates while Python calculates. The last group is computed
    # while the lines are written (one COPY, which holds the connection until the end).
    groups = _county_groups(facts, county_ids)
    rows: list[LineRow] = []
    with background_reads() as reader:
        figures = facts.item_figures([county_ids[i] for i in groups[0]])
        for group, following in itertools.pairwise(groups):
            next_figures = reader.submit(facts.item_figures, [county_ids[i] for i in following])
            rows.extend(compute(group, figures))
            figures = next_figures.result()
    _insert_lines(itertools.chain(rows, compute(groups[-1], figures)))
    SettlementRun.objects.bulk_update(runs, _TOTAL_FIELDS)
    counties = County.objects.in_bulk(county_ids)  # the runs' names, in one query
    for run in runs:
        run.county = counties[run.county_id]
    history.record_bulk_create(SettlementRun, runs, ["county", "year", "quarter", "policy", "status", *_TOTAL_FIELDS])
    return runs


# Groups the province's figures are read in: the first is read alone, each following one in the background
# while the one before is computed. A fixed number, so the queries do not grow with the province
# (measured with 30,000 clinics: 4 groups take the run from 7.1 s in one read to 5.8 s).
PROVINCE_READ_GROUPS = 4


def _county_groups(facts: ClinicFacts, county_ids: list[int]) -> list[list[int]]:
    """Positions of the counties in at most PROVINCE_READ_GROUPS groups of consecutive counties with about as
    many clinics each."""
    sizes = [facts.clinic_count(c) for c in county_ids]
    share = sum(sizes) / PROVINCE_READ_GROUPS
    groups: list[list[int]] = [[]]
    read = 0
    for i, size in enumerate(sizes):
        if groups[-1] and len(groups) < PROVINCE_READ_GROUPS and read >= share * len(groups):
            groups.append([])
        groups[-1].append(i)
        read += size
    return groups


@transaction.atomic
@audit.by_user
def recompute_run(
    *, user: User | None, run: SettlementRun, inputs: list[calculation.ClinicInputs] | None = None
) -> SettlementRun:
    """Recompute a draft with the current data and policy numbers (what-if); keeps the previous balances."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    _ensure_may_prepare(user, run.county_id, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以重新计算；已确认或审批的结算不能更改。"))
    if inputs is None:
        inputs = gather_inputs(county=run.county, year=run.year, quarter=run.quarter, township=run.township)
    return _write_lines(run, inputs, user=user)


def _locked_run(run: SettlementRun, version: int | None) -> SettlementRun:
    """The run locked for update, refused when it changed since the page showing it (``version``)."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    check_version(run, version)
    return run


@transaction.atomic
@audit.by_user
def confirm_run(
    *,
    user: User | None,
    run: SettlementRun,
    version: int | None = None,
    comment: str = "",
    warnings_checked: bool = False,
) -> SettlementRun:
    """The township confirms the run as shown (``version``: the page's; a recomputation meanwhile refuses).
    A run whose policy check found items paid nothing is confirmed only with ``warnings_checked`` (the
    confirmer says they checked each one; who did is kept on the run)."""
    run = _locked_run(run, version)
    _ensure_may_prepare(user, run.county_id, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以确认。"))
    if run.warnings and not warnings_checked:
        raise ValidationError(
            {
                "warnings_checked": _(
                    "这份结算有 %(n)s 条政策检查提醒（有申报数却不计补助的项目）。请逐条核对，"
                    "确认无误后勾选“我已核对这些提醒”再确认；如是政策漏填，请先修改政策并重新计算。"
                )
                % {"n": len(run.warnings)}
            }
        )
    run.status, run.confirmed_by, run.confirm_comment = Status.CONFIRMED, user, comment.strip()
    run.warnings_acknowledged_by = user if run.warnings else None
    run.save(update_fields=["status", "confirmed_by", "confirm_comment", "warnings_acknowledged_by", *bump(run, user)])
    return run


@transaction.atomic
@audit.by_user
def return_run(*, user: User, run: SettlementRun, comment: str, version: int | None = None) -> SettlementRun:
    """The county sends a confirmed run back to the township with a reason (mandatory); it is a draft again,
    to be recomputed and confirmed anew. The reason stays on the run for the township to read."""
    run = _locked_run(run, version)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status != Status.CONFIRMED:
        raise ValidationError(
            _("只有卫生院已确认、等待审批的结算才能退回（当前状态：%(s)s）。") % {"s": run.get_status_display()}
        )
    if not comment.strip():
        raise ValidationError({"comment": _("请填写退回原因，告诉卫生院需要核对或修改什么。")})
    run.status, run.confirmed_by = Status.DRAFT, None
    run.return_comment, run.returned_by, run.returned_at = comment.strip(), user, timezone.now()
    run.save(update_fields=["status", "confirmed_by", "return_comment", "returned_by", "returned_at", *bump(run, user)])
    return run


@transaction.atomic
@audit.by_user
def reject_run(*, user: User, run: SettlementRun, comment: str, version: int | None = None) -> SettlementRun:
    """The township's "no" to a draft (the county's too, for its own drafts): the figures must not be
    confirmed — a report is wrong, a clinic is missing. The reason is mandatory and stays on the run, which is
    kept read-only as it was (its lines are the evidence); a new run is prepared after the data are corrected."""
    run = _locked_run(run, version)
    _ensure_may_prepare(user, run.county_id, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(
            _("只有草稿可以驳回（当前状态：%(s)s）。已确认的结算由卫健局退回。") % {"s": run.get_status_display()}
        )
    if not comment.strip():
        raise ValidationError({"comment": _("请填写驳回原因，例如哪份月报或哪个卫生室的数据有误。")})
    run.status = Status.REJECTED
    run.return_comment, run.returned_by, run.returned_at = comment.strip(), user, timezone.now()
    run.save(update_fields=["status", "return_comment", "returned_by", "returned_at", *bump(run, user)])
    return run


@transaction.atomic
@audit.by_user
def approve_run(*, user: User, run: SettlementRun, version: int | None = None, comment: str = "") -> SettlementRun:
    """County approval. The row lock makes two simultaneous approvals record exactly one; ``version`` (the
    confirmation page's) makes sure what is approved is what the approver saw."""
    run = _locked_run(run, version)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status != Status.CONFIRMED:
        raise ValidationError(
            _("只有卫生院已确认的结算才能审批（当前状态：%(s)s）。") % {"s": run.get_status_display()}
        )
    if run.prepared_by_id == user.pk:
        raise ValidationError(_("审批人不能是制表人。"))

    lock_periods(
        township_ids=selectors.township_ids_of_run(run),
        year=run.year,
        months=period_months(run.quarter),
        user=user,
        reason=_("%(run)s审批后锁定") % {"run": run},
    )
    run.status, run.approved_by, run.approved_at = Status.APPROVED, user, timezone.now()
    run.approve_comment = comment.strip()
    run.save(update_fields=["status", "approved_by", "approved_at", "approve_comment", *bump(run, user)])
    return run


@transaction.atomic
@audit.by_user
def announce_run(*, user: User | None, run: SettlementRun) -> Any:  # the announcement page (cms is a higher layer)
    """Publish the payout table as a public announcement (公示) through the CMS."""
    run = SettlementRun.objects.select_for_update().select_related("county").get(pk=run.pk)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status != Status.APPROVED:
        raise ValidationError(_("审批后才能公示。"))
    headers = [_("村卫生室"), _("公共卫生补助"), _("基本药物补助"), _("扣款"), _("已预拨"), _("应拨")]
    rows = selectors.announcement_rows(run)
    try:
        page = announcements.publish(
            county=run.county,
            title=_("%(run)s公示") % {"run": run},
            intro=_("以下为补助结算结果，公示期 7 天。如有异议请向乡镇卫生院反映。"),
            table_headers=headers,
            table_rows=rows,
            user=user,
        )
    except announcements.AnnouncementsUnavailable:
        raise ValidationError(_("通知公告模块尚未启用，暂不能在网站公示；请先导出 Excel 张贴公示。")) from None
    run.status = Status.ANNOUNCED
    run.save(update_fields=["status", *bump(run, user)])
    return page


@transaction.atomic
@audit.by_user
def mark_paid(*, user: User | None, run: SettlementRun, reference: str) -> SettlementRun:
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status not in (Status.APPROVED, Status.ANNOUNCED):
        raise ValidationError(_("审批后才能登记拨付。"))
    if not reference.strip():
        raise ValidationError({"reference": _("请填写拨付凭证号。")})
    run.status, run.payment_reference = Status.PAID, reference.strip()
    run.save(update_fields=["status", "payment_reference", *bump(run, user)])
    return run
