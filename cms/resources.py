"""Excel export of the village doctors who have not yet read a notice (django-import-export)."""

from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field

from clinics.models import UserScope


class UnreadDoctorResource(resources.ModelResource):
    township = Field(attribute="clinic__township__name", column_name=_("乡镇"))
    clinic_code = Field(attribute="clinic__code", column_name=_("卫生室编码"))
    clinic = Field(attribute="clinic__name", column_name=_("村卫生室"))
    doctor = Field(column_name=_("村医"))
    username = Field(attribute="user__username", column_name=_("登录名"))

    class Meta:
        model = UserScope
        fields = ("township", "clinic_code", "clinic", "doctor", "username")
        export_order = fields

    def dehydrate_doctor(self, row):
        return row.user.get_full_name() or row.user.username
