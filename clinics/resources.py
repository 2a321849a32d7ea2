"""Import-export resources of the organisation tree (县, 乡镇, 村卫生室 with 服务人口)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from clinics.models import Clinic, ClinicPopulation, County, Township
from core.dataio import (
    ChineseBooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    ScopedResource,
    StrictDateWidget,
    StrictIntegerWidget,
    TextWidget,
    register,
)
from core.validation import MAX_YEAR, MIN_YEAR


@register
class CountyResource(ScopedResource):
    """Counties: the first file of an empty system (imported by the system administrator; a county's own
    staff export their county's row)."""

    name = "counties"
    scope_paths = {"county": ""}
    import_permission = "clinics.add_county"
    export_permission = "clinics.view_county"
    export_search_fields = ("code", "name", "health_bureau_name")

    code = fields.Field(attribute="code", column_name="县编码", widget=TextWidget(required=True, max_length=20))
    name_ = fields.Field(attribute="name", column_name="县名", widget=TextWidget(required=True, max_length=50))
    health_bureau_name = fields.Field(
        attribute="health_bureau_name", column_name="卫健局名称", widget=TextWidget(max_length=100)
    )

    class Meta:
        model = County
        fields = ("code", "name_", "health_bureau_name")
        import_id_fields = ("code",)
        skip_unchanged = True
        skip_diff = True

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases["name"] = "县名"
        return aliases

    def required_columns(self):
        return ["县编码", "县名"]


@register
class TownshipResource(ScopedResource):
    name = "townships"
    scope_paths = {"township": ""}
    import_permission = "clinics.add_township"
    export_permission = "clinics.view_township"
    export_search_fields = ("code", "name", "health_center_name")

    code = fields.Field(attribute="code", column_name="乡镇编码", widget=TextWidget(required=True, max_length=20))
    name_ = fields.Field(attribute="name", column_name="乡镇名称", widget=TextWidget(required=True, max_length=50))
    health_center_name = fields.Field(
        attribute="health_center_name", column_name="卫生院名称", widget=TextWidget(required=True, max_length=100)
    )
    county = fields.Field(
        attribute="county",
        column_name="县编码",
        widget=CodeForeignKeyWidget(County, label="县", scope_paths={"county": ""}),
    )
    remote = fields.Field(attribute="remote", column_name="偏远地区", default=False, widget=ChineseBooleanWidget())

    class Meta:
        model = Township
        fields = ("code", "name_", "health_center_name", "county", "remote")
        import_id_fields = ("code",)
        skip_unchanged = True
        skip_diff = True

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases["name"] = "乡镇名称"
        return aliases

    def get_queryset(self):
        return super().get_queryset().select_related("county")


POPULATION_COLUMNS = {
    "resident": "常住人口",
    "registered": "户籍人口",
    "insured": "参合人口",
    "aged_65_plus": "65岁及以上老年人",
    "children_0_6": "0-6岁儿童",
}


def _population_field(name):
    return ClinicPopulation._meta.get_field(name)


def _population_widget(name):
    return StrictIntegerWidget(required=True, model_field=_population_field(name))


@register
class ClinicResource(ScopedResource):
    """Clinics with their service population of one year (年度 column)."""

    name = "clinics"
    scope_paths = {"clinic": ""}
    import_permission = "clinics.add_clinic"
    export_permission = "clinics.view_clinic"
    export_filters = {
        "township": "township_id",
        "status": "status",
        "ncms_designated": "ncms_designated",
        "zero_markup": "zero_markup",
    }
    export_search_fields = ("code", "name", "village", "address")

    code = fields.Field(attribute="code", column_name="卫生室编码", widget=TextWidget(required=True, max_length=30))
    name_ = fields.Field(attribute="name", column_name="卫生室名称", widget=TextWidget(required=True, max_length=100))
    village = fields.Field(attribute="village", column_name="行政村", widget=TextWidget(required=True, max_length=50))
    township = fields.Field(
        attribute="township",
        column_name="乡镇编码",
        widget=CodeForeignKeyWidget(Township, label="乡镇", scope_paths={"township": ""}),
    )
    address = fields.Field(attribute="address", column_name="地址", widget=TextWidget(max_length=200))
    status = fields.Field(
        attribute="status",
        column_name="状态",
        default=Clinic.Status.ACTIVE,
        widget=ChoiceWidget(Clinic.Status.choices, required=False),
    )
    opened_on = fields.Field(attribute="opened_on", column_name="开办日期", widget=StrictDateWidget())
    ncms_designated = fields.Field(
        attribute="ncms_designated", column_name="新农合门诊统筹定点", default=False, widget=ChineseBooleanWidget()
    )
    zero_markup = fields.Field(
        attribute="zero_markup", column_name="实行基本药物零差率", default=True, widget=ChineseBooleanWidget()
    )
    remote = fields.Field(attribute="remote", column_name="偏远地区", default=False, widget=ChineseBooleanWidget())
    # Stored in ClinicPopulation: the widgets take that model's limits.
    year = fields.Field(
        column_name="年度",
        widget=StrictIntegerWidget(
            required=True, min_value=MIN_YEAR, max_value=MAX_YEAR, model_field=_population_field("year")
        ),
    )
    resident = fields.Field(column_name="常住人口", widget=_population_widget("resident"))
    registered = fields.Field(column_name="户籍人口", widget=_population_widget("registered"))
    insured = fields.Field(column_name="参合人口", widget=_population_widget("insured"))
    aged_65_plus = fields.Field(column_name="65岁及以上老年人", widget=_population_widget("aged_65_plus"))
    children_0_6 = fields.Field(column_name="0-6岁儿童", widget=_population_widget("children_0_6"))

    class Meta:
        model = Clinic
        fields = (
            "code",
            "name_",
            "village",
            "township",
            "address",
            "status",
            "opened_on",
            "ncms_designated",
            "zero_markup",
            "remote",
            "year",
            *POPULATION_COLUMNS,
        )
        import_id_fields = ("code",)
        skip_diff = True

    def __init__(self, user=None, year: int | None = None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.year = year or timezone.localdate().year
        self._populations: dict[int, ClinicPopulation] = {}

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases.update({"name": "卫生室名称", "year": "年度", **POPULATION_COLUMNS})
        return aliases

    def required_columns(self):
        optional = {"地址", "状态", "开办日期", "新农合门诊统筹定点", "实行基本药物零差率", "偏远地区"}
        return [c for c in super().required_columns() if c not in optional]

    # ---- import: the population columns belong to ClinicPopulation, validated here per row
    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, Any] = {}  # field → ValidationError, or the list update_error_dict makes
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        population = {}
        for key in ("year", *POPULATION_COLUMNS):
            fld = self.fields[key]
            if fld.column_name not in row:
                continue
            try:
                population[key] = fld.widget.clean(row[fld.column_name])
            except ValueError as exc:
                errors[key] = ValidationError(str(exc))
        if population and "year" not in errors and "resident" not in errors:
            resident = population.get("resident") or 0
            for key in ("aged_65_plus", "children_0_6"):
                if key not in errors and (population.get(key) or 0) > resident:
                    errors[key] = ValidationError(_("不能超过常住人口（%(n)s）") % {"n": resident})
        instance._population = population
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        population = getattr(instance, "_population", None)
        if population and population.get("year"):
            values = {k: population.get(k) or 0 for k in POPULATION_COLUMNS}
            ClinicPopulation.objects.update_or_create(clinic=instance, year=population["year"], defaults=values)

    # ---- export: one row per clinic with the chosen year's population, in two queries
    def get_queryset(self):
        return super().get_queryset().select_related("township")

    def before_export(self, queryset, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        self._populations = {
            p.clinic_id: p for p in ClinicPopulation.objects.filter(clinic__in=queryset, year=self.year)
        }

    def dehydrate_year(self, clinic):
        return self.year

    def _population_value(self, clinic, key):
        population = self._populations.get(clinic.pk)
        return getattr(population, key) if population else ""

    def dehydrate_resident(self, clinic):
        return self._population_value(clinic, "resident")

    def dehydrate_registered(self, clinic):
        return self._population_value(clinic, "registered")

    def dehydrate_insured(self, clinic):
        return self._population_value(clinic, "insured")

    def dehydrate_aged_65_plus(self, clinic):
        return self._population_value(clinic, "aged_65_plus")

    def dehydrate_children_0_6(self, clinic):
        return self._population_value(clinic, "children_0_6")
