from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role

_DRUG_STAFF = [
    "programs.view_drug",
    "programs.view_drugpurchase",
    "programs.add_drugpurchase",
    "programs.view_drugsale",
    "programs.add_drugsale",
    "programs.view_drugstock",
    "programs.view_drugviolation",
    "programs.view_expiringbatch",
]
_SERVICE_VIEW = [
    f"programs.view_{m}" for m in ("serviceitem", "serviceitemprice", "quota", "servicereport", "reportingperiod")
]
_SERVICE_STAFF = [
    "programs.change_servicereport",
    "programs.add_quota",
    "programs.change_quota",
    "programs.change_reportingperiod",
]
# Service records: township and county see them and import the provincial system's export; the county keeps
# its column mapping.
_RECORDS = ["programs.view_servicerecord", "programs.add_servicerecord", "programs.view_samplingrule"]
# Complaints (每诉必录): township and county record, answer and close them; the county sets the answer deadline.
_COMPLAINTS = ["programs.view_complaint", "programs.add_complaint", "programs.change_complaint"]


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("公共卫生服务与基本药物")
    default_auto_field = "django.db.models.BigAutoField"

    # Services: township staff verify reports, set quotas and periods; the county also keeps the catalogue
    # and its prices. Drugs: township staff record purchases/sales and see stock and violations; the county
    # also maintains the drug catalogue.
    role_permissions = {
        Role.TOWNSHIP_STAFF: _SERVICE_VIEW
        + _SERVICE_STAFF
        + _DRUG_STAFF
        + _RECORDS
        + _COMPLAINTS
        + ["programs.view_complaintrule"],
        Role.COUNTY_ADMIN: _SERVICE_VIEW
        + _SERVICE_STAFF
        + _DRUG_STAFF
        + _RECORDS
        + _COMPLAINTS
        + [
            "programs.view_complaintrule",
            "programs.add_complaintrule",
            "programs.change_complaintrule",
            "programs.view_recordcolumnmapping",
            "programs.change_recordcolumnmapping",
            "programs.delete_quota",
            "programs.add_samplingrule",
            "programs.change_samplingrule",
            "programs.add_serviceitem",
            "programs.change_serviceitem",
            "programs.add_serviceitemprice",
            "programs.change_serviceitemprice",
            "programs.delete_serviceitemprice",
            "programs.add_drug",
            "programs.change_drug",
        ],
    }

    def ready(self):
        from clinics import audit
        from core.inbox import register_inbox
        from core.offline import register_entry_kind, register_offline_pages
        from core.portal import register_portal_link
        from programs import inbox
        from programs.models import (
            Complaint,
            ComplaintRule,
            DrugPurchase,
            DrugSale,
            Quota,
            ReportingPeriod,
            SampleEntry,
            SamplingRule,
            ServiceItemPrice,
            ServiceRecord,
            ServiceReport,
            ServiceReportLine,
            VerificationSample,
        )
        from programs.portal import offline

        # The change history (clinics.audit): prices, quotas, reports and their counts and samples, periods, drugs.
        audit.register(ServiceItemPrice, county="county")
        audit.register(Quota, clinic="clinic")
        audit.register(ServiceReport, clinic="clinic")
        audit.register(ServiceReportLine, clinic="report__clinic", parent="report")
        audit.register(ReportingPeriod, township="township")
        # A record entered in the portal is one change with who and when; an imported file's records are written in
        # bulk (COPY, no signals) and carry who imported them and when (created_by, created_at, source).
        audit.register(ServiceRecord, clinic="clinic", exclude=("id_number_hash",))
        audit.register(SamplingRule, county="county")
        audit.register(VerificationSample, clinic="clinic")  # samples (#17)
        audit.register(SampleEntry, clinic="sample__clinic", parent="sample")
        audit.register(DrugPurchase, clinic="clinic")
        audit.register(DrugSale, clinic="clinic")
        audit.register(Complaint, clinic="clinic")
        audit.register(ComplaintRule, county="county")

        register_inbox(inbox.inbox_items)  # the to-do rows of the homes (core.inbox)
        register_portal_link(order=10, label=_("填报月报"), url_name="portal_reports:index", icon="报")
        register_portal_link(order=20, label=_("任务进度"), url_name="portal_reports:progress", icon="进")
        register_portal_link(order=15, label=_("录入服务记录"), url_name="portal_records:entry", icon="录")
        register_portal_link(order=22, label=_("抽查结果"), url_name="portal_sampling:findings", icon="查")
        register_portal_link(order=23, label=_("群众投诉"), url_name="portal_complaints:list", icon="诉")
        register_portal_link(order=25, label=_("基本药物"), url_name="portal_drugs:home", icon="药")
        # Made offline on the phone, replayed by the sync endpoint (clinics.portal.offline) through the same forms.
        register_entry_kind(name="report", label=_("服务月报"), replay=offline.replay_report)
        register_entry_kind(name="sale", label=_("药品销售"), replay=offline.replay_sale)
        register_offline_pages(offline.pages)
