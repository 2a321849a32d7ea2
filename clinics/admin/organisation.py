from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup

from clinics import selectors
from clinics.forms import NewLoginForm, UserScopeForm
from clinics.models import Clinic, ClinicPopulation, Township, UserScope
from core.admin.viewsets import ReadableColumn, ScopedModelViewSet


def _townships(request):
    if request is None:
        return Township.objects.none()
    return selectors.townships_for(request.user)


class ClinicFilterSet(WagtailFilterSet):
    township = ModelChoiceFilter(label=_("乡镇"), queryset=_townships)
    status = ChoiceFilter(label=_("状态"), choices=Clinic.Status.choices)
    ncms_designated = BooleanFilter(label=_("新农合门诊统筹定点"))
    zero_markup = BooleanFilter(label=_("实行基本药物零差率"))

    class Meta:
        model = Clinic
        fields = ["township", "status", "ncms_designated", "zero_markup"]


class TownshipViewSet(ScopedModelViewSet):
    model = Township
    icon = "site"
    menu_label = _("乡镇")
    add_to_admin_menu = False
    scope_paths = {"township": ""}
    scoped_choices = {"county": selectors.counties_for}
    list_display = ["code", "name", "health_center_name", "county", ReadableColumn("remote", label=_("偏远地区"))]
    list_select_related = ("county",)
    search_fields = ["code", "name", "health_center_name"]
    form_fields = ["county", "code", "name", "health_center_name", "remote"]
    data_resource = "townships"
    inspect_view_enabled = True


class ClinicViewSet(ScopedModelViewSet):
    model = Clinic
    icon = "home"
    menu_label = _("村卫生室")
    scope_paths = {"clinic": ""}
    scoped_choices = {"township": selectors.townships_for}
    list_display = [
        "code",
        "name",
        "village",
        "township",
        Column("status", label=_("状态"), accessor="get_status_display"),
        ReadableColumn("ncms_designated", label=_("新农合门诊统筹定点")),
        ReadableColumn("zero_markup", label=_("实行基本药物零差率")),
    ]
    list_select_related = ("township",)
    filterset_class = ClinicFilterSet
    search_fields = ["code", "name", "village", "address"]
    form_fields = [
        "township",
        "code",
        "name",
        "village",
        "address",
        "status",
        "opened_on",
        "ncms_designated",
        "zero_markup",
        "remote",
    ]
    data_resource = "clinics"
    inspect_view_enabled = True


class ClinicPopulationViewSet(ScopedModelViewSet):
    model = ClinicPopulation
    icon = "group"
    menu_label = _("服务人口")
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": selectors.clinics_for}
    list_display = ["clinic", "year", "resident", "registered", "insured", "aged_65_plus", "children_0_6"]
    list_select_related = ("clinic",)
    list_filter = ["year"]
    search_fields = ["clinic__name", "clinic__code"]
    form_fields = ["clinic", "year", "resident", "registered", "insured", "aged_65_plus", "children_0_6"]


class UserScopeViewSet(ScopedModelViewSet):
    model = UserScope
    icon = "user"
    menu_label = _("用户角色与范围")
    # A county admin manages the users of their county, whatever level they serve at.
    list_display = [
        "user",
        Column("role", label=_("角色"), accessor="get_role_display"),
        "county",
        "township",
        "clinic",
    ]
    list_select_related = ("user", "county", "township", "clinic")
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name"]
    add_item_label = _("新建账号")

    def get_form_class(self, for_update=False):
        return UserScopeForm if for_update else NewLoginForm

    def scope_queryset(self, queryset, user):
        return selectors.user_scopes_for(user, queryset)


class OrganisationGroup(ViewSetGroup):
    menu_label = _("机构管理")
    menu_icon = "site"
    menu_order = 100
    items = (ClinicViewSet, TownshipViewSet, ClinicPopulationViewSet, UserScopeViewSet)
