"""The roles of docs/DESIGN.md §2. A user has one role and one place (province, city, county, township or clinic).

Glossary: 村医 village doctor · 卫生院 township health center · 卫健局 county health bureau ·
宣传 publicity / notice editing; 宣传审核 notice moderation (approves
notices in the Wagtail workflow) · 市/省卫健委 city / provincial health commission (reads its counties'
figures side by side, changes nothing).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_DOCTOR = "village_doctor", _("村医")
    TOWNSHIP_STAFF = "township_staff", _("卫生院工作人员")
    COUNTY_ADMIN = "county_admin", _("卫健局管理员")
    NOTICE_EDITOR = "notice_editor", _("宣传编辑")
    NOTICE_MODERATOR = "notice_moderator", _("宣传审核")
    CITY_OFFICIAL = "city_official", _("市卫健委（只读）")
    PROVINCE_OFFICIAL = "province_official", _("省卫健委（只读）")


# Group names are what staff see in Wagtail's user admin, so they are Chinese.
ROLE_GROUP_NAMES: dict[str, str] = {
    Role.VILLAGE_DOCTOR: "村医",
    Role.TOWNSHIP_STAFF: "卫生院工作人员",
    Role.COUNTY_ADMIN: "卫健局管理员",
    Role.NOTICE_EDITOR: "宣传编辑",
    Role.NOTICE_MODERATOR: "宣传审核",
    Role.CITY_OFFICIAL: "市卫健委",
    Role.PROVINCE_OFFICIAL: "省卫健委",
}

# Roles tied to a whole county (the others are tied to a township or a clinic).
COUNTY_ROLES = {Role.COUNTY_ADMIN, Role.NOTICE_EDITOR, Role.NOTICE_MODERATOR}

# Roles above the county: they read the comparison of their counties and change nothing.
REGIONAL_ROLES = {Role.CITY_OFFICIAL, Role.PROVINCE_OFFICIAL}

STAFF_ROLES = {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN, Role.NOTICE_EDITOR, Role.NOTICE_MODERATOR}

# Model permissions each role's group holds, as "app_label.codename". Every app declares its own
# in its AppConfig.role_permissions; clinics.services.sync_role_groups merges them after migrate.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.VILLAGE_DOCTOR: [],
    Role.TOWNSHIP_STAFF: [
        "wagtailadmin.access_admin",
        "clinics.view_township",
        "clinics.view_clinic",
        "clinics.change_clinic",
        "clinics.add_clinic",
        "clinics.view_clinicpopulation",
        "clinics.change_clinicpopulation",
        "clinics.add_clinicpopulation",
    ],
    Role.COUNTY_ADMIN: [
        "wagtailadmin.access_admin",
        "clinics.view_county",  # their own county's row (export of the counties resource)
        "clinics.view_township",
        "clinics.add_township",
        "clinics.change_township",
        "clinics.delete_township",
        "clinics.view_clinic",
        "clinics.add_clinic",
        "clinics.change_clinic",
        "clinics.delete_clinic",
        "clinics.view_clinicpopulation",
        "clinics.add_clinicpopulation",
        "clinics.change_clinicpopulation",
        "clinics.delete_clinicpopulation",
        "clinics.view_userscope",
        "clinics.add_userscope",
        "clinics.change_userscope",
    ],
    Role.NOTICE_EDITOR: ["wagtailadmin.access_admin"],
    Role.NOTICE_MODERATOR: ["wagtailadmin.access_admin"],
    # Only the admin itself: the comparison of counties checks the role, and no model permission lets them change
    # (or list) anything of a county.
    Role.CITY_OFFICIAL: ["wagtailadmin.access_admin"],
    Role.PROVINCE_OFFICIAL: ["wagtailadmin.access_admin"],
}
