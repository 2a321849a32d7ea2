"""Township and county admin of service records (服务记录): the listing (month, clinic, item, matched) with its
masked export, and the county's column mapping of the provincial system's export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core import spreadsheets
from core.admin.viewsets import PermissionTemplateView
from core.forms import add_service_errors
from programs.forms import ColumnMappingForm, RecordFilterForm
from programs.models import ServiceItem
from programs.selectors import records as record_selectors
from programs.services import records as record_services
from residents.models import PersonalDataAccess
from residents.services import record_access

EXPORT_HEADERS = (
    gettext_lazy("服务日期"),
    gettext_lazy("卫生室编码"),
    gettext_lazy("村卫生室"),
    gettext_lazy("项目编码"),
    gettext_lazy("服务项目"),
    gettext_lazy("居民姓名"),
    gettext_lazy("身份证号"),
    gettext_lazy("已匹配居民"),
    gettext_lazy("服务医生"),
    gettext_lazy("来源"),
    gettext_lazy("备注"),
)


class RecordListView(PermissionTemplateView):
    permission = "programs.view_servicerecord"
    template_name = "programs/records/admin_records.html"
    page_title = gettext_lazy("服务记录")
    header_icon = "list-ul"

    def filtered(self):
        """(queryset, context) of the listing's filters; the month defaults to the latest one with records."""
        user = self.request.user
        params = self.request.GET
        filters = ScopeFilterForm(params, user=user, fields=("year", "month", "clinic"))
        extra = RecordFilterForm(params)
        records = record_selectors.records_for(user)
        latest = record_selectors.latest_record_month(records)
        invalid = filters.invalid or bool(extra.errors)
        year = filters.get("year") or (latest[0] if latest else None)
        month = filters.get("month") or (latest[1] if latest else None)
        if invalid or year is None or month is None:
            shown = records.none()
        else:
            shown = record_selectors.in_month(records, year, month)
        clinic = filters.get("clinic")
        if clinic is not None:
            shown = shown.filter(clinic=clinic)
        item = extra.get("item")
        if item is not None:
            shown = shown.filter(item=item)
        matched = extra.get("matched")
        if matched == "matched":
            shown = shown.filter(resident__isnull=False)
        elif matched == "unmatched":
            shown = shown.filter(resident__isnull=True)
        shown = shown.select_related("clinic", "item", "doctor").order_by("-service_date", "clinic__code", "pk")
        context = {
            "filters": filters,
            "extra": extra,
            "invalid": invalid,
            "has_any": latest is not None,
            "year": year,
            "month": month,
            "months": range(1, 13),
            "clinic": clinic,
            "clinics": org.clinics_for(user).order_by("code"),
            "items": ServiceItem.objects.order_by("sort_order"),
            "item": item,
            "matched": matched or "",
            "match_choices": RecordFilterForm.MATCH_CHOICES,
        }
        return shown, context

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in spreadsheets.FORMATS:
            raise Http404
        shown, context = self.filtered()
        if context["invalid"]:
            raise Http404(_("筛选条件无效。"))
        rows, resident_ids = [], set()
        for r in shown.iterator(chunk_size=2000):
            if r.resident_id:
                resident_ids.add(r.resident_id)
            rows.append(
                [
                    r.service_date,
                    r.clinic.code,
                    r.clinic.name,
                    r.item.code,
                    r.item.name,
                    r.resident_name,
                    r.id_number_masked,  # never the whole number
                    r.matched,
                    r.doctor.name if r.doctor else "",
                    r.get_source_display(),
                    r.note,
                ]
            )
        record_access(
            user=request.user,
            kind=PersonalDataAccess.Kind.EXPORT,
            page=_("服务记录导出：%(y)s年%(m)s月") % {"y": context["year"], "m": context["month"]},
            residents=resident_ids,
            county_id=org.get_scope(request.user).county_id,
        )
        content = spreadsheets.to_bytes([str(h) for h in EXPORT_HEADERS], rows, fmt)
        return spreadsheets.file_response(
            content, fmt=fmt, filename=f"service-records-{context['year']}-{context['month']}.{fmt}"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown, filter_context = self.filtered()
        filter_context["filters"].explain(self.request)
        if filter_context["extra"].errors:
            messages.error(self.request, _("筛选条件无效，请重新选择。"))
        context.update(filter_context)
        context["page"] = Paginator(shown, 50).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        query.pop("export", None)
        context["query"] = query.urlencode()
        return context


class ColumnMappingView(PermissionTemplateView):
    """服务记录列对应: the county says once how its provincial system heads each column of the export."""

    permission = "programs.change_recordcolumnmapping"
    template_name = "programs/records/admin_mapping.html"
    page_title = gettext_lazy("服务记录列对应")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return super().dispatch(request, *args, **kwargs)  # refused there
        filters = ScopeFilterForm(request.GET, user=request.user, fields=("county",)).or_404()
        county = filters.get("county")
        if county is None:
            scope = org.get_scope(request.user)
            counties = org.counties_for(request.user)
            county = counties.filter(pk=scope.county_id).first() if scope.county_id else counties.first()
        if county is None or not org.can_administer_county(request.user, county.pk):
            raise Http404
        self.county = county
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None) -> ColumnMappingForm:
        return ColumnMappingForm(data, columns=record_selectors.mapping_for_county(self.county.pk))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                record_services.save_column_mapping(user=request.user, county=self.county, columns=form.mapping())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存%(county)s的列对应。") % {"county": self.county.name})
                return redirect(request.get_full_path())
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["county"] = self.county
        return context
