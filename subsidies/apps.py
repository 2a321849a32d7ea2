from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("考核与补助")
    default_auto_field = "django.db.models.BigAutoField"

    @property
    def role_permissions(self):
        from clinics.roles import Role

        models = ("assessment", "inspection", "finding", "satisfactionsurvey", "appeal", "assessmententry")
        staff = [f"subsidies.{action}_{m}" for m in models for action in ("view", "add", "change")]
        sheets = [f"subsidies.view_{m}" for m in ("scoresheet", "scoreitem")]
        runs = [
            "subsidies.view_settlementrun",
            "subsidies.add_settlementrun",
            "subsidies.change_settlementrun",
            "subsidies.view_settlementline",
            "subsidies.view_subsidypolicy",
            "subsidies.view_policyitem",
            "subsidies.view_advance",
        ]
        policy = [f"subsidies.{a}_{m}" for m in ("subsidypolicy", "policyitem", "advance") for a in ("add", "change")]
        policy += ["subsidies.view_advancebatch", "subsidies.add_advancebatch"]  # generating scheduled advances
        return {
            Role.TOWNSHIP_STAFF: staff + sheets + runs,
            Role.COUNTY_ADMIN: staff
            + sheets
            + runs
            + policy
            + [f"subsidies.{a}_{m}" for m in ("scoresheet", "scoreitem") for a in ("add", "change", "delete")],
        }

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from clinics import audit
        from core.inbox import register_inbox
        from core.portal import register_portal_link
        from subsidies import inbox
        from subsidies.models import (
            Advance,
            AdvanceBatch,
            Appeal,
            Assessment,
            AssessmentEntry,
            Finding,
            Inspection,
            PolicyItem,
            SatisfactionSurvey,
            SettlementRun,
            SubsidyPolicy,
        )

        # The change history (clinics.audit): policies, advances, settlement runs (their lines are computed
        # once, from the run's inputs, and never edited), assessments and what feeds their scores.
        audit.register(SubsidyPolicy, county="county")
        audit.register(PolicyItem, county="policy__county", parent="policy")
        audit.register(AdvanceBatch, county="county")
        audit.register(Advance, clinic="clinic", parent="batch")
        audit.register(SettlementRun, township="township", county="county")
        audit.register(Assessment, clinic="clinic")
        audit.register(AssessmentEntry, clinic="assessment__clinic", parent="assessment")
        audit.register(Appeal, clinic="entry__assessment__clinic", parent="entry__assessment")
        audit.register(Inspection, clinic="clinic")
        audit.register(Finding, clinic="inspection__clinic", parent="inspection")
        audit.register(SatisfactionSurvey, clinic="clinic")

        register_inbox(inbox.inbox_items)  # the to-do rows of the homes (core.inbox)
        register_portal_link(order=30, label=_("考核得分"), url_name="portal_assessments:index", icon="考")
        register_portal_link(order=40, label=_("补助结算"), url_name="portal_settlement:index", icon="补")
