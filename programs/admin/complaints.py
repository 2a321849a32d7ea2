"""The complaints register in the staff admin (每诉必录): the list with what is due or late, recording a
complaint, answering and closing it; and the county's answer deadline."""

from __future__ import annotations

from django.forms import modelform_factory
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column

from clinics import selectors as org
from core.admin.viewsets import ScopedModelViewSet
from programs.models import Complaint, ComplaintRule
from programs.services import complaints as services


def _deadline(complaint: Complaint) -> str:
    """What the clerk must know of the deadline: when, and whether it was (or is being) missed."""
    due = f"{timezone.localtime(complaint.due_at):%Y-%m-%d %H:%M}"
    if complaint.late:
        return _("%(due)s（已超时）") % {"due": due}
    return due


class ComplaintViewSet(ScopedModelViewSet):
    model = Complaint
    icon = "help"
    menu_label = gettext_lazy("投诉登记")
    add_to_admin_menu = False
    scope_paths = {"clinic": "clinic"}
    scoped_choices = {"clinic": org.clinics_for}
    list_display = [
        "received_at",
        "clinic",
        "kind",
        "source",
        "status",
        Column("deadline", label=gettext_lazy("答复期限"), accessor=_deadline),
        "finding",
    ]
    list_select_related = ("clinic__township",)
    list_filter = ["status", "kind", "source", "finding"]
    search_fields = ["description", "clinic__name"]
    form_fields = ["clinic", "source", "kind", "received_at", "complainant", "description"]
    copy_view_enabled = False
    edit_template_name = "programs/complaints/admin_edit.html"
    save_service = staticmethod(services.save_complaint)
    delete_service = staticmethod(services.refuse_deletion)

    def get_form_class(self, for_update=False):
        # What was received stays as recorded; afterwards only the answer and the finding are filled in.
        if for_update:
            return modelform_factory(
                self.model,
                form=WagtailAdminModelForm,
                fields=["answer", "finding"],
                formfield_callback=self.formfield_for_dbfield,
            )
        return super().get_form_class(for_update)

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "finding":
            kwargs["help_text"] = _("选了结论即办结，办结后不能再修改；暂不下结论就留空，只保存答复")
        if db_field.name == "received_at":
            kwargs["help_text"] = _("群众反映问题的时间；答复期限从这里按工作时间计算")
        return super().formfield_for_dbfield(db_field, **kwargs)


class ComplaintRuleViewSet(ScopedModelViewSet):
    model = ComplaintRule
    icon = "cog"
    menu_label = gettext_lazy("投诉答复时限")
    add_to_admin_menu = False
    scope_paths = {"county": "county"}
    scoped_choices = {"county": org.counties_for}
    list_display = ["county", "answer_within_hours"]
    list_select_related = ("county",)
    form_fields = ["county", "answer_within_hours"]
    copy_view_enabled = False


complaint_viewset = ComplaintViewSet("complaint")
complaint_rule_viewset = ComplaintRuleViewSet("complaintrule")
