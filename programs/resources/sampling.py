"""The call list of the month's verification samples (核实抽样回访名单) as Excel, one row per sampled record, and its
outcomes imported back: for townships that call or visit from a printed list and type the results in afterwards.

Export: the current samples' entries in the sample proper (reserve entries appear once they replace one), with the
resident's name, masked ID number and masked phone — the whole phone stays on the assigned caller's call-list
page, where each view is logged; the export is logged like every export of residents' data.

Import: each row with a 核实结果 goes through ``sampling.record_outcome`` in file order — the call-list page's own
rule: only the sample's caller records, a locked month is refused, 无法联系 counts an attempt and is final after
the rule's attempts, 无法联系 (final) and 拒绝 bring in the next reserve entry (which a later row of the same
file may then record). A row whose result is already recorded is left as it is, so a file can be imported again;
the exported 联系次数 guards against counting a call twice (a call recorded since the export is named)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from import_export import fields

from clinics.selectors import clinics_for
from core.dataio import (
    ChoiceWidget,
    ImportReport,
    RowIssue,
    StrictIntegerWidget,
    TextWidget,
    month_field,
    register,
    year_field,
)
from programs.models import SampleEntry, VerificationSample
from programs.services import sampling as sampling_services
from residents.resources import LoggedResidentExport

__all__ = ["VerificationSampleResource"]

KEY = ("clinic", "item", "year", "month", "position")
ATTEMPTS = "联系次数"


@register
class VerificationSampleResource(LoggedResidentExport):
    """回访名单与核实结果: one row per record of a current sample, keyed by clinic, item, month and 序号."""

    name = "verification_samples"
    verbose_name = gettext_lazy("核实抽样回访结果")
    scope_paths = {"clinic": "sample__clinic"}
    import_permission = "programs.change_servicereport"
    export_permission = "programs.view_servicereport"
    export_filters = {"year": "sample__year", "month": "sample__month", "township": "sample__clinic__township_id"}
    export_log_page = gettext_noop("回访名单导出（%(n)s 行）")
    export_resident_paths = ("record__resident_id", "sample__clinic__township__county_id")
    column_notes = {
        "序号": gettext_lazy("回访名单上的序号；与卫生室、项目、年月一起确定是哪一条记录"),
        "核实结果": gettext_lazy("还没回访的不填；无法联系每填一次算联系一次，联系次数够了才算最终无法联系"),
        ATTEMPTS: gettext_lazy("导出时的联系次数，不要改：导出后又有人回访过的记录会被指出，以免重复计数"),
    }

    clinic = fields.Field(attribute="sample__clinic__code", column_name="卫生室编码", widget=TextWidget(required=True))
    item = fields.Field(attribute="sample__item__code", column_name="项目编码", widget=TextWidget(required=True))
    year = year_field("sample__year")
    month = month_field("sample__month")
    position = fields.Field(attribute="position", column_name="序号", widget=StrictIntegerWidget(required=True))
    outcome = fields.Field(
        attribute="outcome", column_name="核实结果", widget=ChoiceWidget(SampleEntry.Outcome.choices, required=False)
    )
    note = fields.Field(attribute="note", column_name="备注", widget=TextWidget(max_length=200))
    attempts = fields.Field(attribute="attempts", column_name=ATTEMPTS, readonly=True)
    clinic_name = fields.Field(attribute="sample__clinic__name", column_name="卫生室名称", readonly=True)
    item_name = fields.Field(attribute="sample__item__name", column_name="服务项目", readonly=True)
    service_date = fields.Field(attribute="record__service_date", column_name="服务日期", readonly=True)
    resident_name = fields.Field(attribute="record__resident_name", column_name="居民姓名", readonly=True)
    id_number = fields.Field(attribute="record__id_number_masked", column_name="身份证号", readonly=True)
    phone = fields.Field(column_name="联系电话", readonly=True)
    called_at = fields.Field(attribute="called_at", column_name="回访时间", readonly=True)

    class Meta:
        model = SampleEntry
        fields = (
            "clinic",
            "item",
            "year",
            "month",
            "position",
            "outcome",
            "note",
            "attempts",
            "clinic_name",
            "item_name",
            "service_date",
            "resident_name",
            "id_number",
            "phone",
            "called_at",
        )

    def required_columns(self):
        return ["卫生室编码", "项目编码", "年度", "月份", "序号"]

    # ---- export: the call list of the current samples, residents' numbers masked, the export logged
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(sample__superseded_by__isnull=True, reserve=False)
            .select_related("sample__clinic", "sample__item", "record__resident")
            .order_by("-sample__year", "-sample__month", "sample__clinic__code", "sample__item__code", "position")
        )

    def dehydrate_phone(self, entry: SampleEntry) -> str:
        resident = entry.record.resident
        return resident.phone_masked if resident is not None else ""

    def dehydrate_called_at(self, entry: SampleEntry) -> str:
        return entry.called_at.strftime("%Y-%m-%d %H:%M") if entry.called_at else ""

    # ---- import: each result through the call-list page's service, in file order
    def fast_import(self, dataset, *, dry_run: bool, progress=None) -> ImportReport:
        report = ImportReport(resource=self.name)
        if self.user is None:
            report.file_error = _("导入回访结果需要回访人：请在后台导入，或在命令后加 --user 登录名。")
            return report
        headers = dataset.headers
        columns = {
            name: headers.index(fld.column_name)
            for name, fld in self.fields.items()
            if fld.column_name in headers and not fld.readonly
        }
        attempts_column = headers.index(ATTEMPTS) if ATTEMPTS in headers else None
        attempts_widget = StrictIntegerWidget()
        parsed: list[tuple[int, dict[str, Any], int | None]] = []
        for number, raw in enumerate(dataset._data, start=2):
            values: dict[str, Any] = {}
            for name, index in columns.items():
                try:
                    values[name] = self.fields[name].widget.clean(raw[index])
                except ValueError as exc:
                    report.errors.append(RowIssue(row=number, column=self.fields[name].column_name, message=str(exc)))
            exported_attempts = None
            if attempts_column is not None:
                try:
                    exported_attempts = attempts_widget.clean(raw[attempts_column])
                except ValueError as exc:
                    report.errors.append(RowIssue(row=number, column=ATTEMPTS, message=str(exc)))
            if set(KEY) <= values.keys() and not any(e.row == number for e in report.errors):
                parsed.append((number, values, exported_attempts))
        entries = self._entries(parsed)
        seen: dict[tuple, int] = {}
        for done, (number, values, exported_attempts) in enumerate(parsed, start=1):
            key = tuple(values[k] for k in KEY)
            first = seen.setdefault(key, number)
            if first != number:
                report.errors.append(
                    RowIssue(row=number, column="序号", message=_("与第 %(row)s 行重复") % {"row": first})
                )
                continue
            entry = entries.get(key)
            if entry is None:
                report.errors.append(
                    RowIssue(
                        row=number,
                        column="序号",
                        message=_("%(clinic)s %(year)s年%(month)s月的“%(item)s”样本中没有序号 %(n)s，或您无权操作")
                        % {"clinic": key[0], "year": key[2], "month": key[3], "item": key[1], "n": key[4]},
                    )
                )
                continue
            self._import_row(number, entry, values, exported_attempts, report)
            if progress:
                progress(done)
        report.errors.sort(key=lambda e: e.row)
        return report

    def _entries(self, parsed) -> dict[tuple, SampleEntry]:
        """The entries the rows name, in the importer's scope and in current samples, in two queries."""
        codes = {values["clinic"] for _number, values, _a in parsed}
        clinic_ids = list(clinics_for(self.user).filter(code__in=codes).values_list("pk", flat=True))
        # Only the months the file names: a township's year of samples is far larger than one month's list.
        samples = VerificationSample.objects.filter(
            clinic_id__in=clinic_ids,
            superseded_by__isnull=True,
            year__in={values["year"] for _number, values, _a in parsed},
            month__in={values["month"] for _number, values, _a in parsed},
        )
        found = SampleEntry.objects.filter(sample__in=samples).select_related("sample__clinic", "sample__item")
        return {(e.sample.clinic.code, e.sample.item.code, e.sample.year, e.sample.month, e.position): e for e in found}

    def _import_row(self, number: int, entry: SampleEntry, values: dict[str, Any], exported_attempts, report) -> None:
        outcome, note = values.get("outcome"), (values.get("note") or "").strip()
        if not outcome:
            return  # not called yet
        if outcome == entry.outcome:
            return  # already recorded: importing the same file again changes nothing
        if exported_attempts is not None and exported_attempts != entry.attempts:
            report.errors.append(
                RowIssue(
                    row=number,
                    column=ATTEMPTS,
                    message=_("导出后这条记录又有回访（现在已联系 %(n)s 次），请重新导出回访名单再填")
                    % {"n": entry.attempts},
                )
            )
            return
        try:
            with transaction.atomic():
                sampling_services.record_outcome(user=self.user, entry=entry, outcome=outcome, note=note)
        except PermissionDenied:
            report.errors.append(
                RowIssue(row=number, column="卫生室编码", message=_("您不是这份样本的回访人，不能记录结果"))
            )
        except ValidationError as exc:
            for message in exc.messages:
                report.errors.append(RowIssue(row=number, column="核实结果", message=message))
        else:
            report.updated += 1
