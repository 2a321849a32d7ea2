from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup

from clinics import selectors
from clinics.forms import NewLoginForm, UserScopeForm
from clinics.models import City, Clinic, ClinicPopulation, County, Province, Township, UserScope
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


class CountyViewSet(ScopedModelViewSet):
    """Counties: set up by the system administrator (superuser), each placed in its city so that the city's and
    the province's officials compare it; a county admin sees their own county's row."""

    model = County
    icon = "site"
    menu_label = _("县")
    add_to_admin_menu = False
    scope_paths = {"county": ""}
    scoped_choices = {"city": selectors.cities_for}
    list_display = ["code", "name", "health_bureau_name", "city"]
    list_select_related = ("city",)
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "health_bureau_name", "city"]


class CityViewSet(ScopedModelViewSet):
    """Cities (市) of a province: only the system administrator sets them up."""

    model = City
    icon = "site"
    menu_label = _("市")
    add_to_admin_menu = False
    scope_paths = {}
    list_display = ["code", "name", "province"]
    list_select_related = ("province",)
    search_fields = ["code", "name"]
    scoped_choices = {"province": selectors.provinces_for}
    form_fields = ["province", "code", "name"]

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=selectors.cities_for(user).values("pk"))


class ProvinceViewSet(ScopedModelViewSet):
    """Provinces (省): only the system administrator sets them up."""

    model = Province
    icon = "site"
    menu_label = _("省")
    add_to_admin_menu = False
    scope_paths = {}
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name"]

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=selectors.provinces_for(user).values("pk"))


class OrganisationGroup(ViewSetGroup):
    menu_label = _("机构管理")
    menu_icon = "site"
    menu_order = 100
    items = (
        ClinicViewSet,
        TownshipViewSet,
        ClinicPopulationViewSet,
        UserScopeViewSet,
        CountyViewSet,
        CityViewSet,
        ProvinceViewSet,
    )
