"""Import-export resources of the subsidies app: a county's score sheet (考核评分表), one row per item; the
scores of its assessments (考核分数), one row per clinic × quarter × item; and its subsidy policies (补助政策),
one row per policy."""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Any, NamedTuple, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from clinics.models import Clinic, County
from clinics.selectors import clinics_for
from core.dataio import (
    ChineseBooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    ImportReport,
    RowIssue,
    ScopedResource,
    StrictDateWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
    TextWidget,
    register,
    year_field,
)
from core.validation import MAX_YEAR, MIN_YEAR
from programs.resources.reports import ItemStandardColumns
from subsidies import explaining
from subsidies.models import Assessment, AssessmentEntry, PolicyItem, ScoreItem, ScoreSheet, SubsidyPolicy
from subsidies.models.settlement import POLICY_PARAMETERS
from subsidies.selectors.assessments import current_sheet
from subsidies.services import assessments as services
from subsidies.services import policies as policy_services

__all__ = ["AssessmentScoreResource", "PolicyItemResource", "PolicyResource", "ScoreSheetResource"]

# The columns that name the sheet an item belongs to (county, year, version); the name is the sheet's title.
SHEET_KEYS = ("county", "year", "version", "sheet_name")


@register
class ScoreSheetResource(ScopedResource):
    """One row per item of a score sheet; the sheet is named by 县编码 + 年度 + 版本 (and 评分表名称).

    A sheet that an assessment already uses is frozen: its items cannot change in place, so a county that
    changes its rules imports them under the next version number (the old assessments keep their sheet)."""

    name = "score_sheets"
    scope_paths = {"county": "sheet__county"}
    import_permission = "subsidies.add_scoreitem"
    export_permission = "subsidies.view_scoreitem"
    export_filters = {"sheet": "sheet_id", "category": "category", "mode": "mode"}
    export_search_fields = ("code", "name")

    county = fields.Field(
        column_name="县编码", widget=CodeForeignKeyWidget(County, label="县", scope_paths={"county": ""})
    )
    year = fields.Field(
        column_name="年度",
        widget=StrictIntegerWidget(
            required=True, min_value=MIN_YEAR, max_value=MAX_YEAR, model_field=ScoreSheet._meta.get_field("year")
        ),
    )
    version = fields.Field(
        column_name="版本",
        widget=StrictIntegerWidget(required=True, min_value=1, model_field=ScoreSheet._meta.get_field("version")),
    )
    sheet_name = fields.Field(column_name="评分表名称", widget=TextWidget(required=True, max_length=100))
    code = fields.Field(attribute="code", column_name="项目编号", widget=TextWidget(required=True, max_length=20))
    category = fields.Field(
        attribute="category", column_name="类别", widget=ChoiceWidget(ScoreItem.Category.choices, required=True)
    )
    name_ = fields.Field(attribute="name", column_name="考核内容", widget=TextWidget(required=True, max_length=200))
    max_points = fields.Field(attribute="max_points", column_name="满分", widget=StrictDecimalWidget(required=True))
    mode = fields.Field(attribute="mode", column_name="评分方式", widget=ChoiceWidget(ScoreItem.Mode.choices))
    points_per_occurrence = fields.Field(
        attribute="points_per_occurrence", column_name="每次扣分", default=0, widget=StrictDecimalWidget()
    )
    indicator = fields.Field(attribute="indicator", column_name="指标", widget=TextWidget(max_length=20))
    target = fields.Field(attribute="target", column_name="目标值", default=1, widget=StrictDecimalWidget())
    denominator = fields.Field(
        attribute="denominator",
        column_name="分母",
        default="",
        widget=ChoiceWidget(ScoreItem.Denominator.choices, required=False),
    )
    lower_is_better = fields.Field(
        attribute="lower_is_better", column_name="越低越好", default=False, widget=ChineseBooleanWidget()
    )
    sort_order = fields.Field(attribute="sort_order", column_name="排序", default=0, widget=StrictIntegerWidget())
    rule = fields.Field(column_name="计分规则", readonly=True)

    class Meta:
        model = ScoreItem
        fields = (
            "county",
            "year",
            "version",
            "sheet_name",
            "code",
            "category",
            "name_",
            "max_points",
            "mode",
            "points_per_occurrence",
            "indicator",
            "target",
            "denominator",
            "lower_is_better",
            "sort_order",
            "rule",
        )
        import_id_fields = ("county", "year", "version", "code")
        skip_diff = True

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._sheets: dict[tuple, ScoreSheet] = {}

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases["name"] = "考核内容"
        return aliases

    def required_columns(self):
        optional = {"每次扣分", "指标", "目标值", "分母", "越低越好", "排序"}
        return [c for c in super().required_columns() if c not in optional]

    # ---- import: the sheet columns name (or create) the item's sheet
    def _sheet_key(self, row) -> tuple[Any, ...] | None:
        try:
            return tuple(self.fields[key].clean(row, user=self.user) for key in SHEET_KEYS)
        except ValueError:
            return None

    def get_instance(self, instance_loader, row):
        key = self._sheet_key(row)
        if key is None:
            return None
        county, year, version, _name = key
        code = str(row.get("项目编号") or "").strip()
        return ScoreItem.objects.filter(
            sheet__county=county, sheet__year=year, sheet__version=version, code=code
        ).first()

    def complete_row(self, instance, row, errors):
        found: dict[str, ValidationError] = {}
        # The sheet's own rules (scoreitem_per_le_max, scoreitem_target_positive), said per column.
        top, per = instance.max_points, instance.points_per_occurrence
        both_clean = "max_points" not in errors and "points_per_occurrence" not in errors
        if both_clean and top is not None and per is not None and per > top:
            found["points_per_occurrence"] = ValidationError(_("不能大于满分（%(top)s）") % {"top": top})
        if "target" not in errors and instance.target is not None and instance.target <= 0:
            found["target"] = ValidationError(_("必须大于 0（1 表示 100%）"))
        if not errors.keys() & {"mode", "target", "indicator", "denominator", "points_per_occurrence"}:
            for name, message in instance.rule_problems().items():  # the admin form's rule (ScoreItem.clean)
                found.setdefault(name, ValidationError(message))
        values = {}
        for key in SHEET_KEYS:
            try:
                values[key] = self.fields[key].clean(row, user=self.user)
            except ValueError as exc:
                found[key] = ValidationError(str(exc))
        if len(values) == len(SHEET_KEYS):
            sheet = self._sheet_for(**values)
            if Assessment.objects.filter(sheet=sheet).exists():
                found["version"] = ValidationError(
                    _("第 %(v)s 版评分表已用于考核，不能再修改；请把“版本”改为 %(next)s，作为新版本导入")
                    % {"v": sheet.version, "next": sheet.version + 1}
                )
            else:
                instance.sheet = sheet
        return found

    def _sheet_for(self, *, county: County, year: int, version: int, sheet_name: str) -> ScoreSheet:
        key = (county.pk, year, version)
        if key not in self._sheets:
            sheet, created = ScoreSheet.objects.get_or_create(
                county=county, year=year, version=version, defaults={"name": sheet_name}
            )
            if not created and sheet.name != sheet_name and not Assessment.objects.filter(sheet=sheet).exists():
                sheet.name = sheet_name
                sheet.save(update_fields=["name"])
            self._sheets[key] = sheet
        return self._sheets[key]

    # ---- export: the sheet's columns beside each item, in one query
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("sheet__county")
            .order_by("-sheet__year", "-sheet__version", "sort_order", "code")
        )

    def dehydrate_county(self, item: ScoreItem) -> str:
        return item.sheet.county.code

    def dehydrate_year(self, item: ScoreItem) -> int:
        return item.sheet.year

    def dehydrate_version(self, item: ScoreItem) -> int:
        return item.sheet.version

    def dehydrate_sheet_name(self, item: ScoreItem) -> str:
        return item.sheet.name

    def dehydrate_rule(self, item: ScoreItem) -> str:
        return explaining.item_rule(item)


# The columns an item's score is read from, one per scoring mode (ScoreItem.input_field says which).
INPUTS = ("occurrences", "achieved", "passed", "manual_score")
# A service's error key → the column it is about.
SERVICE_KEYS = {"quarter": "季度", "year": "年度", "clinic": "卫生室编码", "assessed_on": "考核日期"}


class _Row(NamedTuple):
    number: int  # spreadsheet row
    item_code: str
    values: dict[str, Any]  # field name → parsed value, blank cells left out


@register
class AssessmentScoreResource(ScopedResource):
    """Item scores per clinic and quarter (考核分数), for counties that score on paper: one row per clinic ×
    quarter × item of the county's score sheet. Each item takes the column of its scoring mode (发现次数, 完成值,
    达标 or 人工评分); the satisfaction item is computed from the quarter's survey. The rows go through the same
    services as the score page (``start_assessment``, ``update_entries``, ``submit_assessment``), so the same
    rules hold: a quarter is assessed once it is over, a submitted or settled assessment does not change (only an
    appeal changes it), scores stay within each item's maximum. 提交 = 是 submits the clinic's quarter."""

    name = "assessment_scores"
    scope_paths = {"clinic": "assessment__clinic"}
    import_permission = "subsidies.add_assessment"
    export_permission = "subsidies.view_assessment"
    export_filters = {"year": "assessment__year", "quarter": "assessment__quarter"}
    verbose_name = gettext_lazy("考核分数")
    column_notes = {
        "项目编号": gettext_lazy("填县考核评分表中的项目编号；同一卫生室同一季度的各项目各占一行"),
        "发现次数": gettext_lazy("只填评分方式为“按次扣分”的项目"),
        "完成值": gettext_lazy(
            "填“按指标完成率”“按比率”的项目（1 表示 100%），不填则按核实的服务数量自动计算；"
            "“每年至少完成次数”的项目填本年已完成的次数（整数）"
        ),
        "达标": gettext_lazy("只填“达标 / 不达标”的项目"),
        "人工评分": gettext_lazy("只填“人工评分”的项目，不超过该项满分"),
        "调整得分": gettext_lazy(
            "按判断给分时填写，任何评分方式都可以；填了就以它为准，不按公式计分，并且必须填调整理由"
        ),
        "调整理由": gettext_lazy("填了调整得分就必须填写，村医能看到"),
        "考核日期": gettext_lazy("不填为今天；应在季度结束之后"),
        "提交": gettext_lazy("填“是”即提交该卫生室本季度的考核，提交前每个项目都要有分数；提交后只能通过申诉更改"),
    }

    clinic = fields.Field(
        attribute="assessment__clinic__code", column_name="卫生室编码", widget=TextWidget(required=True)
    )
    year = year_field("assessment__year")
    quarter = fields.Field(
        attribute="assessment__quarter",
        column_name="季度",
        widget=StrictIntegerWidget(required=True, min_value=1, max_value=4),
    )
    item = fields.Field(attribute="item__code", column_name="项目编号", widget=TextWidget(required=True, max_length=20))
    occurrences = fields.Field(attribute="occurrences", column_name="发现次数", widget=StrictIntegerWidget())
    achieved = fields.Field(attribute="achieved", column_name="完成值", widget=StrictDecimalWidget())
    passed = fields.Field(attribute="passed", column_name="达标", widget=ChineseBooleanWidget())
    manual_score = fields.Field(attribute="manual_score", column_name="人工评分", widget=StrictDecimalWidget())
    reason = fields.Field(attribute="reason", column_name="扣分理由", widget=TextWidget())
    override_score = fields.Field(attribute="override_score", column_name="调整得分", widget=StrictDecimalWidget())
    override_reason = fields.Field(attribute="override_reason", column_name="调整理由", widget=TextWidget())
    assessed_on = fields.Field(attribute="assessment__assessed_on", column_name="考核日期", widget=StrictDateWidget())
    submit = fields.Field(column_name="提交", widget=ChineseBooleanWidget())
    clinic_name = fields.Field(attribute="assessment__clinic__name", column_name="卫生室名称", readonly=True)
    item_name = fields.Field(attribute="item__name", column_name="考核内容", readonly=True)
    mode = fields.Field(column_name="评分方式", readonly=True)
    max_points = fields.Field(attribute="item__max_points", column_name="满分", readonly=True)
    deduction = fields.Field(attribute="deduction", column_name="扣分", readonly=True)
    score = fields.Field(attribute="score", column_name="得分", readonly=True)

    class Meta:
        model = AssessmentEntry
        fields = (
            "clinic",
            "year",
            "quarter",
            "item",
            "occurrences",
            "achieved",
            "passed",
            "manual_score",
            "reason",
            "override_score",
            "override_reason",
            "assessed_on",
            "submit",
            "clinic_name",
            "item_name",
            "mode",
            "max_points",
            "deduction",
            "score",
        )

    def required_columns(self):
        return ["卫生室编码", "年度", "季度", "项目编号"]

    # ---- export: the import's columns with the scores they gave, in one query
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("assessment__clinic", "item")
            .order_by("-assessment__year", "-assessment__quarter", "assessment__clinic__code", "item__sort_order")
        )

    # Each item shows its value in its own mode's column only (the others stay blank, as the import wants them).
    def _own(self, entry: AssessmentEntry, name: str) -> Any:
        value = getattr(entry, name)
        return "" if entry.item.input_field != name or value is None else value

    def dehydrate_occurrences(self, entry: AssessmentEntry) -> Any:
        return self._own(entry, "occurrences")

    def dehydrate_achieved(self, entry: AssessmentEntry) -> Any:
        return self._own(entry, "achieved")

    def dehydrate_manual_score(self, entry: AssessmentEntry) -> Any:
        return self._own(entry, "manual_score")

    def dehydrate_passed(self, entry: AssessmentEntry) -> str:
        value = self._own(entry, "passed")
        return "" if value == "" else (_("是") if value else _("否"))

    def dehydrate_submit(self, entry: AssessmentEntry) -> str:
        return _("是") if entry.assessment.status == Assessment.Status.SUBMITTED else _("否")

    def dehydrate_mode(self, entry: AssessmentEntry) -> str:
        return entry.item.get_mode_display()

    # ---- import: rows grouped by clinic and quarter, each group through the assessment services
    def fast_import(self, dataset, *, dry_run: bool, progress=None) -> ImportReport:
        report = ImportReport(resource=self.name)
        if self.user is None:
            report.file_error = _("导入考核分数需要考核人：请在后台导入，或在命令后加 --user 登录名。")
            return report
        headers = dataset.headers
        columns = {
            name: headers.index(fld.column_name) for name, fld in self.fields.items() if fld.column_name in headers
        }
        clinics = {c.code: c for c in clinics_for(self.user).select_related("township")}
        groups: dict[tuple[Clinic, int, int], list[_Row]] = {}
        submit: dict[tuple[Clinic, int, int], bool] = {}
        assessed_on: dict[tuple[Clinic, int, int], date] = {}
        seen: dict[tuple, int] = {}
        errors = report.errors
        for number, raw in enumerate(dataset._data, start=2):
            values: dict[str, Any] = {}
            bad = False
            for name, index in columns.items():
                if self.fields[name].readonly:
                    continue
                try:
                    value = self.fields[name].widget.clean(raw[index])
                except ValueError as exc:
                    errors.append(RowIssue(row=number, column=self.fields[name].column_name, message=str(exc)))
                    bad = True
                    continue
                if value not in (None, ""):
                    values[name] = value
            if bad:
                continue
            clinic = clinics.get(values["clinic"])
            if clinic is None:
                errors.append(
                    RowIssue(
                        row=number,
                        column="卫生室编码",
                        message=_("找不到编码为“%(code)s”的村卫生室，或您无权操作") % {"code": values["clinic"]},
                    )
                )
                continue
            key = (clinic, values["year"], values["quarter"])
            first = seen.setdefault((*key, values["item"]), number)
            if first != number:
                errors.append(
                    RowIssue(row=number, column="项目编号", message=_("与第 %(row)s 行重复") % {"row": first})
                )
                continue
            groups.setdefault(key, []).append(_Row(number, values["item"], values))
            if "submit" in values:
                submit[key] = submit.get(key, False) or values["submit"]
            if "assessed_on" in values:
                assessed_on.setdefault(key, values["assessed_on"])
        # The quarters' assessments in one query, and each sheet's items once, whatever the number of clinics.
        self._assessments = {
            (a.clinic_id, a.year, a.quarter): a
            for a in Assessment.objects.filter(
                clinic__in={clinic for clinic, _year, _quarter in groups},
                year__in={year for _clinic, year, _quarter in groups},
                quarter__in={quarter for _clinic, _year, quarter in groups},
            ).select_related("sheet")
        }
        self._current_sheets: dict[tuple[int, int], ScoreSheet | None] = {}
        self._sheet_items: dict[int, dict[str, ScoreItem]] = {}
        done = 0
        for key, rows in sorted(groups.items(), key=lambda g: g[1][0].number):
            self._import_group(key, rows, submit=submit.get(key, False), on=assessed_on.get(key), report=report)
            done += len(rows)
            if progress:
                progress(done)
        errors.sort(key=lambda e: e.row)
        return report

    def _sheet_for(self, clinic: Clinic, year: int) -> ScoreSheet | None:
        key = (clinic.township.county_id, year)
        if key not in self._current_sheets:
            self._current_sheets[key] = current_sheet(county_id=key[0], year=year)
        return self._current_sheets[key]

    def _import_group(self, key, rows: list[_Row], *, submit: bool, on: date | None, report: ImportReport) -> None:
        """One clinic's quarter: open its assessment if need be, give each item its value, submit when asked.
        Refusals are reported on the rows they concern; the runner rolls back a file with any."""
        clinic, year, quarter = key
        first = rows[0].number
        assessment = self._assessments.get((clinic.pk, year, quarter))
        sheet = assessment.sheet if assessment else self._sheet_for(clinic, year)
        if sheet is None:
            report.errors.append(
                RowIssue(
                    row=first, column="年度", message=_("卫健局还没有设置 %(year)s 年的考核评分表。") % {"year": year}
                )
            )
            return
        if sheet.pk not in self._sheet_items:
            self._sheet_items[sheet.pk] = {i.code: i for i in sheet.items.all()}
        items = self._sheet_items[sheet.pk]
        failed = False
        for row in rows:
            item = items.get(row.item_code)
            if item is None:
                report.errors.append(
                    RowIssue(
                        row=row.number,
                        column="项目编号",
                        message=_("“%(sheet)s”中没有编号为“%(code)s”的项目")
                        % {"sheet": sheet.name, "code": row.item_code},
                    )
                )
                failed = True
                continue
            wanted = item.input_field
            for name in INPUTS:
                if name in row.values and name != wanted:
                    report.errors.append(
                        RowIssue(row=row.number, column=self.fields[name].column_name, message=self._wrong_column(item))
                    )
                    failed = True
        if failed:
            return
        if assessment is not None and assessment.status != Assessment.Status.DRAFT:
            entries = {e.item.code: e for e in assessment.entries.select_related("item")}
            for row in rows:
                entry = entries.get(row.item_code)
                if entry is not None and any(
                    getattr(entry, name) != value for name, value in self._inputs(row).items()
                ):
                    report.errors.append(
                        RowIssue(
                            row=row.number,
                            column=_("整行"),
                            message=_("%(a)s已提交，分数只能通过申诉更改") % {"a": assessment},
                        )
                    )
            return  # unchanged rows of a submitted quarter are left as they are
        try:
            with transaction.atomic():
                if assessment is None:
                    assessment = services.start_assessment(
                        user=self.user,
                        clinic=clinic,
                        year=year,
                        quarter=quarter,
                        assessed_on=on or timezone.localdate(),
                    )
                    report.new += len(rows)
                else:
                    report.updated += len(rows)
                entries = {e.item.code: e for e in assessment.entries.select_related("item")}
                rows_by_entry = {entries[r.item_code].pk: r for r in rows if r.item_code in entries}
                try:
                    services.update_entries(
                        user=self.user,
                        assessment=assessment,
                        values={pk: self._inputs(row) for pk, row in rows_by_entry.items()},
                    )
                except ValidationError as exc:
                    for pk, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
                        concerned = rows_by_entry.get(int(pk)) if str(pk).isascii() and str(pk).isdigit() else None
                        column = self._input_column(entries[concerned.item_code].item) if concerned else _("整行")
                        for message in messages:
                            report.errors.append(
                                RowIssue(row=concerned.number if concerned else first, column=column, message=message)
                            )
                    raise
                if submit:
                    try:
                        services.submit_assessment(user=self.user, assessment=assessment)
                    except ValidationError as exc:
                        for message in exc.messages:
                            report.errors.append(RowIssue(row=first, column="提交", message=message))
                        raise
        except PermissionDenied:
            report.errors.append(
                RowIssue(row=first, column="卫生室编码", message=_("您无权考核%(clinic)s") % {"clinic": clinic.name})
            )
        except ValidationError as exc:
            if not any(e.row in {r.number for r in rows} for e in report.errors):
                for field_key, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
                    column = SERVICE_KEYS.get(field_key, _("整行"))
                    for message in messages:
                        report.errors.append(RowIssue(row=first, column=column, message=message))

    @staticmethod
    def _inputs(row: _Row) -> dict[str, Any]:
        return {
            name: row.values[name]
            for name in (*INPUTS, "reason", "override_score", "override_reason")
            if name in row.values
        }

    def _input_column(self, item: ScoreItem) -> str:
        return self.fields[item.input_field or "item"].column_name

    def _wrong_column(self, item: ScoreItem) -> str:
        wanted = item.input_field
        if wanted is None:
            return _("“%(item)s”由满意度回访自动计算，此列不填") % {"item": item.name}
        return _("“%(item)s”的评分方式是“%(mode)s”，请填在“%(column)s”列") % {
            "item": item.name,
            "mode": item.get_mode_display(),
            "column": self.fields[wanted].column_name,
        }


class QualityBandsWidget(TextWidget):
    """质量系数分档 as written in a cell: the same list the policy form takes, e.g.
    [[90, 1.0, "优秀"], [60, 0.8, "合格"]]; blank is no bands (coefficient = score ÷ 100). The model field's
    validator then checks what the list says, so the import and the form refuse the same bands."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if not text:
            return []
        try:
            return json.loads(text.replace("“", '"').replace("”", '"').replace("，", ","))
        except ValueError:
            raise ValueError(_('不是有效的分档写法，请写成 [[90, 1.0, "优秀"], [60, 0.8, "合格"]]')) from None

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value, ensure_ascii=False) if value else ""


# Columns that may be left blank: the model's default (the admin form's initial value) on a new policy, the
# policy's current value on an existing one. Blank bands are no bands.
POLICY_DEFAULTED = {
    f.name for f in SubsidyPolicy._meta.concrete_fields if f.has_default() and f.name in POLICY_PARAMETERS
} - {"quality_bands"}


def _policy_column(name: str) -> str:
    return str(cast(models.Field, SubsidyPolicy._meta.get_field(name)).verbose_name)


@register
class PolicyResource(ScopedResource):
    """One row per policy (补助政策): its general parameters, quality bands and advance schedule, keyed by
    县编码 + 年度 + 名称. Rows go through the policy form's rules (the model's validators and clean()) and the
    policy service, so a policy an approved settlement used is refused here as on its edit page (copy it on
    政策检查 instead); an unchanged row of such a policy passes, so an exported file can be imported again.
    The item prices come from the county's price table (政策检查 → 从价格表补齐) or the 政策项目标准 page."""

    name = "policies"
    scope_paths = {"county": "county"}
    import_permission = "subsidies.add_subsidypolicy"
    export_permission = "subsidies.view_subsidypolicy"
    export_filters = {"year": "year"}
    export_search_fields = ("name",)
    column_notes = {
        "质量系数分档": gettext_lazy(
            '每档 [最低分, 拨付比例, 等级名称]，如 [[90, 1.0, "优秀"], [80, 0.9, "合格"], [60, 0.8, "基本合格"]]；'
            "留空则质量系数 = 得分 ÷ 100"
        ),
        "状态": gettext_lazy("草稿可反复模拟测算；已发布的政策才用于预拨和正式结算"),
    }

    county = fields.Field(
        attribute="county",
        column_name="县编码",
        widget=CodeForeignKeyWidget(County, label="县", scope_paths={"county": ""}),
    )
    year = year_field("year")
    name_ = fields.Field(attribute="name", column_name="名称", widget=TextWidget(required=True, max_length=100))

    class Meta:
        model = SubsidyPolicy
        fields = ("county", "year", "name_", *POLICY_PARAMETERS)
        import_id_fields = ("county", "year", "name_")
        skip_diff = True
        clean_model_instances = True

    @classmethod
    def widget_from_django_field(cls, f, default=None):
        """Choices by their Chinese label, numbers within the model's limits, dates strictly, bands as a list."""
        if f.name == "quality_bands":
            return QualityBandsWidget
        if f.choices:
            return functools.partial(ChoiceWidget, f.choices, required=f.name not in POLICY_DEFAULTED)
        if isinstance(f, models.DecimalField):
            return functools.partial(StrictDecimalWidget, required=not (f.null or f.name in POLICY_DEFAULTED))
        if isinstance(f, models.DateField):
            return StrictDateWidget
        if isinstance(f, models.CharField):
            return functools.partial(TextWidget, max_length=f.max_length)
        return super().widget_from_django_field(f, default)

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.column_name = _policy_column(field_name)
        return field

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases["name"] = "名称"
        return aliases

    def required_columns(self):
        optional = {_policy_column(name) for name in POLICY_DEFAULTED} | {
            _policy_column(name)
            for name in ("quality_bands", "gap_tolerance", "budget_cap", "effective_from", "notice_url")
        }
        return [c for c in super().required_columns() if c not in optional]

    def get_queryset(self):
        return super().get_queryset().select_related("county").order_by("-year", "county__code", "name")

    def get_instance(self, instance_loader, row):
        try:
            county = self.fields["county"].clean(row, user=self.user)
            year = self.fields["year"].clean(row)
            name = self.fields["name_"].clean(row)
        except ValueError:
            return None
        return SubsidyPolicy.objects.filter(county=county, year=year, name=name).first()

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # A blank optional column keeps the default (new policy) or the current value (existing one).
        if field.attribute in POLICY_DEFAULTED and _blank_cell(row.get(field.column_name)):
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            current = SubsidyPolicy.objects.get(pk=instance.pk)
            if all(getattr(current, name) == getattr(instance, name) for name in POLICY_PARAMETERS):
                return  # an unchanged row (an exported file imported again), also of a frozen policy
        try:
            policy_services.save_policy(user=self.user, instance=instance)
        except PermissionDenied:
            raise ValidationError({"county": _("无权修改该县的补助政策")}) from None
        except ValidationError as exc:
            raise (exc if hasattr(exc, "error_dict") else ValidationError({"name": exc.messages})) from None


def _blank_cell(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@register
class PolicyItemResource(ItemStandardColumns):
    """One row per item standard of a policy (政策项目标准): the policy named by 县编码 + 年度 + 政策名称, the item
    by its code, with its unit price and work points. Through the policy service, so the items of a policy an
    approved settlement used are refused (an unchanged row passes). Beside the county's price table: a policy
    can take its prices from that table on 政策检查, or from this file where it pays differently."""

    name = "policy_items"
    scope_paths = {"county": "policy__county"}
    import_permission = "subsidies.add_policyitem"
    export_permission = "subsidies.view_policyitem"
    export_filters = {"policy": "policy_id"}
    export_search_fields = ("item__code", "item__name")

    county = fields.Field(
        column_name="县编码", widget=CodeForeignKeyWidget(County, label="县", scope_paths={"county": ""})
    )
    year = year_field("policy__year")
    policy_name = fields.Field(
        attribute="policy__name", column_name="政策名称", widget=TextWidget(required=True, max_length=100)
    )

    class Meta:
        model = PolicyItem
        fields = ("county", "year", "policy_name", "item", "item_name", "unit_price", "work_points")
        import_id_fields = ("county", "year", "policy_name", "item")
        skip_diff = True
        clean_model_instances = True

    def required_columns(self):
        return ["县编码", "年度", "政策名称", "项目编码", "单价（元）", "工分"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("policy__county", "item")
            .order_by("-policy__year", "policy__name", "item__sort_order", "item__code")
        )

    def dehydrate_county(self, standard: PolicyItem) -> str:
        return standard.policy.county.code

    def _policy(self, row) -> SubsidyPolicy | None:
        try:
            county = self.fields["county"].clean(row, user=self.user)
            year = self.fields["year"].clean(row)
            name = self.fields["policy_name"].clean(row)
        except ValueError:
            return None
        return SubsidyPolicy.objects.filter(county=county, year=year, name=name).first()

    def get_instance(self, instance_loader, row):
        policy = self._policy(row)
        try:
            item = self.fields["item"].clean(row)
        except ValueError:
            return None
        return PolicyItem.objects.filter(policy=policy, item=item).first() if policy else None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute in ("policy__year", "policy__name"):
            return  # they name the policy (below), they are not written to it
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def complete_row(self, instance, row, errors):
        found: dict[str, ValidationError] = {}
        for key in ("county", "year", "policy_name"):
            try:
                self.fields[key].clean(row, user=self.user)
            except ValueError as exc:
                found[key] = ValidationError(str(exc))
        if not found:
            policy = self._policy(row)
            if policy is None:
                found["policy_name"] = ValidationError(
                    _("该县该年度没有叫这个名称的补助政策（请先在“补助政策”中新建或导入）")
                )
            else:
                instance.policy = policy
        return found

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            current = PolicyItem.objects.get(pk=instance.pk)
            if (current.unit_price, current.work_points) == (instance.unit_price, instance.work_points):
                return  # an unchanged row (an exported file imported again), also of a frozen policy
        try:
            policy_services.save_policy_item(user=self.user, instance=instance)
        except PermissionDenied:
            raise ValidationError({"county": _("无权修改该县的补助政策")}) from None
        except ValidationError as exc:
            raise (exc if hasattr(exc, "error_dict") else ValidationError({"policy_name": exc.messages})) from None
