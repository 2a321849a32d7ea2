"""Excel import / export of service reports (fast path), quotas and the county's yearly price table."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from clinics import audit
from clinics.models import Clinic, County
from clinics.selectors import clinics_for
from core.dataio import (
    CodeForeignKeyWidget,
    ImportReport,
    RowIssue,
    ScopedResource,
    StrictDecimalWidget,
    StrictIntegerWidget,
    TextWidget,
    month_field,
    register,
    year_field,
)
from core.forms import joined_messages
from core.validation import MAX_YEAR, MIN_YEAR
from programs.models import (
    Quota,
    ReportingPeriod,
    ServiceItem,
    ServiceItemPrice,
    ServiceReport,
    ServiceReportLine,
)
from programs.selectors.periods import period_states
from programs.services import reports as report_services

__all__ = ["ItemPriceResource", "ItemStandardColumns", "QuotaResource", "ServiceReportResource"]

BATCH = 5000


@register
class ServiceReportResource(ScopedResource):
    """One row per clinic × item × month: the declared count (申报数). Imported rows create or update the
    month's report as submitted (on the doctor's behalf) while the period is not locked."""

    name = "service_reports"
    scope_paths = {"clinic": "report__clinic"}
    import_permission = "programs.change_servicereport"
    export_permission = "programs.view_servicereport"
    background_threshold = 5000
    export_filters = {"year": "report__year", "month": "report__month", "township": "report__clinic__township_id"}

    clinic = fields.Field(attribute="report__clinic__code", column_name="卫生室编码", widget=TextWidget(required=True))
    item = fields.Field(attribute="item__code", column_name="项目编码", widget=TextWidget(required=True))
    # Limits come from the model fields (ScopedResource binds them); the month rule is the service's.
    year = year_field("report__year")
    month = month_field("report__month")
    declared_count = fields.Field(
        attribute="declared_count", column_name="申报数", widget=StrictIntegerWidget(required=True)
    )
    clinic_name = fields.Field(attribute="report__clinic__name", column_name="卫生室名称", readonly=True)
    item_name = fields.Field(attribute="item__name", column_name="项目名称", readonly=True)
    verified_count = fields.Field(attribute="verified_count", column_name="核实数", readonly=True)

    class Meta:
        model = ServiceReportLine
        fields = ("clinic", "item", "year", "month", "declared_count", "clinic_name", "item_name", "verified_count")

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases.update(
            {
                "clinic": "卫生室编码",
                "item": "项目编码",
                "year": "年度",
                "month": "月份",
                "declared_count": "申报数",
                "count": "申报数",
            }
        )
        return aliases

    def required_columns(self):
        return ["卫生室编码", "项目编码", "年度", "月份", "申报数"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("report__clinic", "item")
            .order_by("report__year", "report__month", "report__clinic__code", "item__sort_order")
        )

    def fast_import(self, dataset, *, dry_run: bool, progress=None) -> ImportReport:
        report = ImportReport(resource=self.name)
        headers = dataset.headers
        col = {name: headers.index(name) for name in self.required_columns()}
        widget = {
            self.fields[key].column_name: self.fields[key].widget
            for key in ("clinic", "item", "year", "month", "declared_count")
        }
        today = timezone.localdate()

        raw_rows = dataset._data  # tablib rows; read once
        clinic_codes = {str(r[col["卫生室编码"]]).strip() for r in raw_rows if r[col["卫生室编码"]] is not None}
        clinics_qs = clinics_for(self.user) if self.user is not None else Clinic.objects.all()
        clinics = {
            c.code: (c.pk, c.township_id)
            for c in clinics_qs.filter(code__in=clinic_codes).only("pk", "code", "township_id")
        }
        items = {i.code: i.pk for i in ServiceItem.objects.filter(active=True).only("pk", "code")}

        parsed = []  # (row number, clinic_id, township_id, item_id, year, month, count)
        seen: dict[tuple, int] = {}
        errors = report.errors
        for index, row in enumerate(raw_rows, start=2):
            row_errors = []
            values = {}
            for name in ("卫生室编码", "项目编码", "年度", "月份", "申报数"):
                try:
                    values[name] = widget[name].clean(row[col[name]])
                except ValueError as exc:
                    row_errors.append(RowIssue(row=index, column=name, message=str(exc)))
            if "卫生室编码" in values and values["卫生室编码"] not in clinics:
                row_errors.append(
                    RowIssue(
                        row=index,
                        column="卫生室编码",
                        message=_("找不到编码为“%(code)s”的村卫生室，或您无权操作") % {"code": values["卫生室编码"]},
                    )
                )
            if "项目编码" in values and values["项目编码"] not in items:
                row_errors.append(
                    RowIssue(
                        row=index,
                        column="项目编码",
                        message=_("找不到编码为“%(code)s”的服务项目") % {"code": values["项目编码"]},
                    )
                )
            if "年度" in values and "月份" in values:
                try:  # the same rule as the portal form (reports.save_report)
                    report_services.check_report_month(year=values["年度"], month=values["月份"], today=today)
                except ValidationError as exc:
                    column = "年度" if not MIN_YEAR <= values["年度"] <= MAX_YEAR else "月份"
                    row_errors.append(RowIssue(row=index, column=column, message=joined_messages(exc)))
            if row_errors:
                errors.extend(row_errors)
                continue
            key = (values["卫生室编码"], values["项目编码"], values["年度"], values["月份"])
            first = seen.setdefault(key, index)
            if first != index:
                errors.append(RowIssue(row=index, column="项目编码", message=_("与第 %(row)s 行重复") % {"row": first}))
                continue
            clinic_id, township_id = clinics[values["卫生室编码"]]
            parsed.append(
                (
                    index,
                    clinic_id,
                    township_id,
                    items[values["项目编码"]],
                    values["年度"],
                    values["月份"],
                    values["申报数"],
                )
            )
            if progress and index % BATCH == 0:
                progress(index // 2)

        years = {p[4] for p in parsed}
        township_ids = {p[2] for p in parsed}
        states = {}
        for year in years:
            states.update(
                {(t, year, m): s for (t, m), s in period_states(township_ids=township_ids, year=year).items()}
            )
        clinic_ids = {p[1] for p in parsed}
        existing_reports = {
            (r.clinic_id, r.year, r.month): r
            for r in ServiceReport.objects.filter(clinic_id__in=clinic_ids, year__in=years).only(
                "pk", "clinic_id", "year", "month", "status"
            )
        }
        existing_lines = {
            (report_id, item_id): (pk, declared)
            for pk, report_id, item_id, declared in ServiceReportLine.objects.filter(
                report__in=[r.pk for r in existing_reports.values()]
            ).values_list("pk", "report_id", "item_id", "declared_count")
        }
        quotas = {
            (c, i): t
            for c, i, t in Quota.objects.filter(clinic_id__in=clinic_ids, year__in=years).values_list(
                "clinic_id", "item_id", "target"
            )
        }
        item_names = dict(ServiceItem.objects.values_list("pk", "name"))

        valid = []
        for entry in parsed:
            index, clinic_id, township_id, item_id, year, month, count = entry
            if states.get((township_id, year, month)) == ReportingPeriod.State.LOCKED:
                errors.append(
                    RowIssue(
                        row=index,
                        column="月份",
                        message=_("%(y)s年%(m)s月已结算锁定，不能再导入") % {"y": year, "m": month},
                    )
                )
                continue
            existing = existing_reports.get((clinic_id, year, month))
            if existing is not None and existing.status == ServiceReport.Status.VERIFIED:
                errors.append(
                    RowIssue(
                        row=index,
                        column="月份",
                        message=_("该卫生室%(y)s年%(m)s月的月报已核实，请先在后台退回后再修改")
                        % {"y": year, "m": month},
                    )
                )
                continue
            if report_services.exceeds_quota_share(count=count, quota=quotas.get((clinic_id, item_id))):
                report.warnings.append(
                    RowIssue(
                        row=index,
                        column="申报数",
                        level="warning",
                        message=_("“%(item)s”%(n)s 超过年度任务每月份额的 3 倍")
                        % {"item": item_names[item_id], "n": count},
                    )
                )
            valid.append(entry)
        errors.sort(key=lambda e: e.row)
        if errors:
            return report

        now = timezone.now()
        needed = {(e[1], e[4], e[5]) for e in valid} - set(existing_reports)
        new_reports = [
            ServiceReport(
                clinic_id=c,
                year=y,
                month=m,
                status=ServiceReport.Status.SUBMITTED,
                submitted_by=self.user,
                submitted_at=now,
            )
            for (c, y, m) in sorted(needed)
        ]
        if not dry_run:
            ServiceReport.objects.bulk_create(new_reports, batch_size=BATCH)
            if new_reports and new_reports[0].pk is None:  # backends without RETURNING
                existing_reports.update(
                    {
                        (r.clinic_id, r.year, r.month): r
                        for r in ServiceReport.objects.filter(clinic_id__in=clinic_ids, year__in=years).only(
                            "pk", "clinic_id", "year", "month"
                        )
                    }
                )
        existing_reports.update({(r.clinic_id, r.year, r.month): r for r in new_reports if r.pk})
        to_create, to_update, changes = [], [], []  # changes: the history of changed lines (clinics.audit)
        for index, clinic_id, _township_id, item_id, year, month, count in valid:
            report_obj = existing_reports.get((clinic_id, year, month))
            line = existing_lines.get((report_obj.pk, item_id)) if report_obj is not None and report_obj.pk else None
            if line is None:
                report.new += 1
                if report_obj is not None and report_obj.pk:
                    to_create.append(ServiceReportLine(report=report_obj, item_id=item_id, declared_count=count))
            else:
                report.updated += 1
                pk, before = line
                if before != count:
                    changed = ServiceReportLine(pk=pk, report=report_obj, item_id=item_id, declared_count=count)
                    to_update.append(changed)
                    changes.append((changed, {"declared_count": (before, count)}))
            if progress and index % BATCH == 0:
                progress(len(raw_rows) // 2 + index // 2)
        if not dry_run:
            # bulk writes send no signals: their history is written here, in the same transaction.
            ServiceReportLine.objects.bulk_create(to_create, batch_size=BATCH)
            if to_create and to_create[0].pk is None:  # backends without RETURNING
                ids = {
                    (r, i): pk
                    for pk, r, i in ServiceReportLine.objects.filter(
                        report_id__in={line.report_id for line in to_create}
                    ).values_list("pk", "report_id", "item_id")
                }
                for line in to_create:
                    line.pk = ids[(line.report_id, line.item_id)]
            ServiceReportLine.objects.bulk_update(to_update, ["declared_count"], batch_size=BATCH)
            # A report whose counts the file changed is a new version (core.versioning): a verification page
            # opened before the import then refuses to save over counts its clerk never saw.
            new_ids = {r.pk for r in new_reports}
            changed_ids = {line.report_id for line in (*to_create, *to_update)} - new_ids
            if changed_ids:
                ServiceReport.objects.filter(pk__in=changed_ids).update(
                    version=F("version") + 1,
                    changed_by=self.user if getattr(self.user, "pk", None) else None,
                    changed_at=now,
                )
            clinic_names = dict(Clinic.objects.filter(pk__in=clinic_ids).values_list("pk", "name"))

            def report_label(r: ServiceReport) -> str:
                return f"{clinic_names.get(r.clinic_id, r.clinic_id)} {r.year}年{r.month}月"

            def line_label(line: ServiceReportLine) -> str:
                return f"{report_label(line.report)} {item_names.get(line.item_id, line.item_id)}"

            created_reports = [existing_reports[key] for key in sorted(needed) if key in existing_reports]
            audit.record_bulk_create(ServiceReport, created_reports, ["status"], label=report_label)
            audit.record_bulk_create(ServiceReportLine, to_create, ["item", "declared_count"], label=line_label)
            audit.record_bulk_update(ServiceReportLine, changes, label=line_label)
        if progress:
            progress(len(raw_rows))
        return report


@register
class QuotaResource(ScopedResource):
    name = "quotas"
    scope_paths = {"clinic": "clinic"}
    import_permission = "programs.add_quota"
    export_permission = "programs.view_quota"
    export_filters = {"year": "year", "township": "clinic__township_id"}

    clinic = fields.Field(
        attribute="clinic",
        column_name="卫生室编码",
        widget=CodeForeignKeyWidget(Clinic, label="村卫生室", scope_paths={"clinic": ""}),
    )
    item = fields.Field(
        attribute="item", column_name="项目编码", widget=CodeForeignKeyWidget(ServiceItem, label="服务项目")
    )
    year = year_field("year")
    target = fields.Field(attribute="target", column_name="任务数", widget=StrictIntegerWidget(required=True))
    item_name = fields.Field(attribute="item__name", column_name="项目名称", readonly=True)

    class Meta:
        model = Quota
        fields = ("clinic", "item", "year", "target", "item_name")
        import_id_fields = ("clinic", "item", "year")
        skip_diff = True

    def get_queryset(self):
        return super().get_queryset().select_related("clinic", "item")

    def required_columns(self):
        return ["卫生室编码", "项目编码", "年度", "任务数"]

    def get_instance(self, instance_loader, row):
        # Look up by codes (the widgets return objects), within the importer's scope.
        try:
            clinic = self.fields["clinic"].clean(row, user=self.user)
            item = self.fields["item"].clean(row)
            year = self.fields["year"].clean(row)
        except ValueError:
            return None
        return Quota.objects.filter(clinic=clinic, item=item, year=year).first()


class ItemStandardColumns(ScopedResource):
    """The columns of an item's standard — 项目编码, 项目名称, 单价（元）, 工分 — as the county's price table and a
    subsidy policy's item standards (subsidies.resources.PolicyItemResource) both write them."""

    item = fields.Field(
        attribute="item", column_name="项目编码", widget=CodeForeignKeyWidget(ServiceItem, label="服务项目")
    )
    item_name = fields.Field(attribute="item__name", column_name="项目名称", readonly=True)
    unit_price = fields.Field(
        attribute="unit_price", column_name="单价（元）", widget=StrictDecimalWidget(required=True)
    )
    work_points = fields.Field(attribute="work_points", column_name="工分", widget=StrictDecimalWidget(required=True))


@register
class ItemPriceResource(ItemStandardColumns):
    """The county's yearly price table (项目单价与工分): what one unit of each item is paid and its work
    points. Policies take their missing prices from it (policy check → 从价格表补齐)."""

    name = "item_prices"
    scope_paths = {"county": "county"}
    import_permission = "programs.add_serviceitemprice"
    export_permission = "programs.view_serviceitemprice"
    export_filters = {"year": "year"}
    export_search_fields = ("item__code", "item__name")

    county = fields.Field(
        attribute="county",
        column_name="县编码",
        widget=CodeForeignKeyWidget(County, label="县", scope_paths={"county": ""}),
    )
    year = year_field("year")

    class Meta:
        model = ServiceItemPrice
        fields = ("county", "year", "item", "item_name", "unit_price", "work_points")
        import_id_fields = ("county", "year", "item")
        skip_diff = True

    def get_queryset(self):
        return super().get_queryset().select_related("county", "item").order_by("-year", "item__sort_order")

    def required_columns(self):
        return ["县编码", "年度", "项目编码", "单价（元）", "工分"]

    def get_instance(self, instance_loader, row):
        # Look up by codes (the widgets return objects), within the importer's scope.
        try:
            county = self.fields["county"].clean(row, user=self.user)
            year = self.fields["year"].clean(row)
            item = self.fields["item"].clean(row)
        except ValueError:
            return None
        return ServiceItemPrice.objects.filter(county=county, year=year, item=item).first()
