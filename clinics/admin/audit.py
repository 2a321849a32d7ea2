"""The change history page (设置 → 修改记录): every audited change in the user's scope — a county admin their
county's, township staff their township's — searchable by user, date, kind of data, township and clinic, and
exported as it is shown (``?export=xlsx|csv``: the listing's own rows, not paginated)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from clinics import audit
from clinics.filters import ScopeFilterForm
from clinics.forms import AuditFilterForm
from clinics.selectors import get_scope
from core import spreadsheets

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000  # rows of entries in one file


def may_read_history(user) -> bool:
    """County admins and township staff (each within their scope); superusers."""
    if not user.is_authenticated:
        return False
    scope = get_scope(user)
    return scope.is_county_admin or scope.is_township_staff


class AuditLogView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "clinics/admin/audit_log.html"
    page_title = gettext_lazy("修改记录")
    header_icon = "history"

    def dispatch(self, request, *args, **kwargs):
        if not may_read_history(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def filters(self):
        user = self.request.user
        place = ScopeFilterForm(self.request.GET, user=user, fields=("township", "clinic"))
        search = AuditFilterForm(self.request.GET, models_choices=audit.audited_model_choices())
        return place, search

    def entries(self, place, search):
        return audit.search(
            self.request.user,
            actor=search.get("user", ""),
            since=search.get("since"),
            until=search.get("until"),
            model=search.get("model", ""),
            township_id=place.get("township"),
            clinic_id=place.get("clinic"),
        )

    def get(self, request, *args, **kwargs):
        place, search = self.filters()
        fmt = search.get("export")
        if fmt in spreadsheets.FORMATS or "export" in search.errors:
            place.or_404()
            if search.errors:
                raise Http404(_("筛选条件无效。"))  # junk in the query string of a download: no file of guesses
            entries = list(self.entries(place, search)[:EXPORT_LIMIT])
            content = spreadsheets.to_bytes(audit.EXPORT_HEADINGS, audit.export_rows(entries), fmt)
            return spreadsheets.download(content, fmt=fmt, name="audit-log")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        place, search = self.filters()
        invalid = place.explain(self.request) or bool(search.errors)
        page = Paginator(self.entries(place, search) if not invalid else audit.AuditEntry.objects.none(), PAGE_SIZE)
        page_obj = page.get_page(search.get("p", 1))
        query = self.request.GET.copy()
        query.pop("p", None)
        query.pop("export", None)
        context.update(
            place=place,
            search=search,
            search_errors=[f"{search.fields[n].label}：{'；'.join(e)}" for n, e in search.errors.items()],
            page=page_obj,
            history_actions=audit.describe(list(page_obj.object_list)),
            query=query.urlencode(),
            show_place=True,
            hide_history_title=True,
        )
        return context


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return may_read_history(request.user)
