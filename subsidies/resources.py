"""Import-export resources of the subsidies app: a county's score sheet (考核评分表) as Excel, one row per item."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from clinics.models import County
from core.dataio import (
    ChoiceWidget,
    CodeForeignKeyWidget,
    ScopedResource,
    StrictDecimalWidget,
    StrictIntegerWidget,
    TextWidget,
    register,
)
from core.validation import MAX_YEAR, MIN_YEAR
from subsidies.models import Assessment, ScoreItem, ScoreSheet

__all__ = ["ScoreSheetResource"]

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
    sort_order = fields.Field(attribute="sort_order", column_name="排序", default=0, widget=StrictIntegerWidget())

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
            "sort_order",
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
        optional = {"每次扣分", "指标", "目标值", "排序"}
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

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, Any] = {}  # field → ValidationError, or the list update_error_dict makes
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # The sheet's own rules (scoreitem_per_le_max, scoreitem_target_positive), said per column.
        top, per = instance.max_points, instance.points_per_occurrence
        both_clean = "max_points" not in errors and "points_per_occurrence" not in errors
        if both_clean and top is not None and per is not None and per > top:
            errors["points_per_occurrence"] = ValidationError(_("不能大于满分（%(top)s）") % {"top": top})
        if "target" not in errors and instance.target is not None and instance.target <= 0:
            errors["target"] = ValidationError(_("必须大于 0（1 表示 100%）"))
        values = {}
        for key in SHEET_KEYS:
            try:
                values[key] = self.fields[key].clean(row, user=self.user)
            except ValueError as exc:
                errors[key] = ValidationError(str(exc))
        if len(values) == len(SHEET_KEYS):
            sheet = self._sheet_for(**values)
            if Assessment.objects.filter(sheet=sheet).exists():
                errors["version"] = ValidationError(
                    _("第 %(v)s 版评分表已用于考核，不能再修改；请把“版本”改为 %(next)s，作为新版本导入")
                    % {"v": sheet.version, "next": sheet.version + 1}
                )
            else:
                instance.sheet = sheet
        if errors:
            raise ValidationError(errors)

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
