"""The residents register (辖区居民) for township staff and the county: the list, a resident's page, and the
county's personal-data access log (个人信息查看记录). Numbers are shown masked only."""

from __future__ import annotations

from datetime import date
from itertools import chain

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import audit
from clinics import selectors as org
from clinics.filters import ScopeFilterForm
from core.admin.viewsets import PermissionTemplateView
from residents import selectors
from residents.forms import FLAG_TAGS, RegisterFilterForm, flag_choices
from residents.models import ResidentRegistration

PAGE_SIZE = 50


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def tags_of(registration: ResidentRegistration) -> list[str]:
    return [str(FLAG_TAGS[flag]) for flag in ResidentRegistration.FLAGS if getattr(registration, flag)]


class RegisterListView(PermissionTemplateView):
    permission = "residents.view_residentregistration"
    template_name = "residents/admin/list.html"
    page_title = gettext_lazy("辖区居民")
    header_icon = "group"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params, today = self.request.user, self.request.GET, timezone.localdate()
        filters = ScopeFilterForm(params, user=user, fields=("year", "clinic"))
        extra = RegisterFilterForm(params)
        year = filters.get("year", today.year)
        clinic_id = filters.get("clinic")
        flag, search = extra.value("flag"), extra.value("q")
        registrations = selectors.registrations_for(
            user, year=year, clinic_id=clinic_id, flag=flag or None, search=search
        )
        invalid = filters.explain(self.request) or bool(extra.errors)
        if invalid:
            registrations = registrations.none()
        registrations = registrations.select_related("resident", "clinic").order_by(
            "clinic__code", "resident__name", "pk"
        )
        page = Paginator(registrations, PAGE_SIZE).get_page(params.get("p"))
        for registration in page.object_list:
            registration.age = age_on(registration.resident.birth_date, today)
            registration.tags = tags_of(registration)
        filtered = bool(clinic_id or flag or search or invalid)
        query = params.copy()
        query.pop("p", None)
        context.update(
            {
                "page": page,
                "year": year,
                "clinic_id": clinic_id,
                "flag": flag,
                "search": search,
                "clinics": org.clinics_for(user).order_by("code"),
                "flags": flag_choices(),
                "query": query.urlencode(),
                "filtered": filtered,
                "may_import": user.has_perm("residents.add_residentregistration"),
            }
        )
        return context


class ResidentDetailView(PermissionTemplateView):
    permission = "residents.view_residentregistration"
    template_name = "residents/admin/detail.html"
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):  # before the lookup: no 404 for those refused anyway
            raise PermissionDenied
        self.resident = selectors.resident_or_404(request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("居民：%(name)s") % {"name": self.resident.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "residents:list", "label": _("辖区居民")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        registrations = list(
            org.restrict(self.resident.registrations.all(), user, clinic="clinic")
            .select_related("clinic__township")
            .order_by("-year")
        )
        for registration in registrations:
            registration.tags = tags_of(registration)
        entries = sorted(
            chain.from_iterable(audit.entries_for(r, user)[:200] for r in registrations),
            key=lambda e: (e.timestamp, e.pk),
            reverse=True,
        )
        context.update(
            {
                "resident": self.resident,
                "age": age_on(self.resident.birth_date, today),
                "registrations": registrations,
                "history_actions": audit.describe(entries),
                "show_place": True,
            }
        )
        return context


class AccessLogView(PermissionTemplateView):
    """County admins: who saw residents' whole numbers or exported their personal data."""

    permission = "residents.view_personaldataaccess"
    template_name = "residents/admin/access_log.html"
    page_title = gettext_lazy("个人信息查看记录")
    header_icon = "history"
    shown_per_entry = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = selectors.access_log_for(self.request.user).select_related("user").order_by("-at", "-pk")
        page = Paginator(entries, PAGE_SIZE).get_page(self.request.GET.get("p"))
        for entry in page.object_list:
            entry.shown = list(
                entry.residents.order_by("pk").only("pk", "name", "id_number_masked")[: self.shown_per_entry]
            )
        context.update({"page": page, "shown_per_entry": self.shown_per_entry})
        return context
