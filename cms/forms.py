"""Upload rules for notice attachments (document and image types only, and a size limit), and the query
strings of the read-receipt pages."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.documents.forms import BaseDocumentForm

from clinics.models import UserScope
from cms.models import Category
from core.forms import ButtonField
from core.validation import StrictIntegerField


class NoticeDocumentForm(BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        limit = settings.NOTICE_ATTACHMENT_MAX_SIZE
        if file is not None and getattr(file, "size", 0) > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s）；附件不能超过 %(limit)s。")
                % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)}
            )
        return file


class ReceiptListFilterForm(forms.Form):
    """``?category=`` (every category when missing or unknown, as before) and the page ``?page=``."""

    category = forms.ChoiceField(required=False, choices=[("", ""), *Category.choices])
    page = StrictIntegerField(required=False, min_value=1)

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) or ("" if name == "category" else 1)


class ReceiptTownshipForm(forms.Form):
    """``?township=<id>`` of a notice's read receipts (the view keeps it only when it is one of the rows)."""

    township = StrictIntegerField(required=False)

    def township_id(self) -> int | None:
        self.is_valid()
        return self.cleaned_data.get("township")


class OfflineReceiptForm(forms.Form):
    """The notice of a read receipt queued by the offline portal (online it is in the page's URL)."""

    notice = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class RemindUnreadForm(forms.Form):
    """提醒 one doctor who has not read a notice (``doctor``: a doctor login among the notice's unread ones in the
    user's scope), or 全部提醒 (``remind_all``) the unread doctors of the list (``township``: its township filter)."""

    doctor = forms.ModelChoiceField(
        queryset=UserScope.objects.none(),
        required=False,
        to_field_name="user_id",
        error_messages={"invalid_choice": gettext_lazy("这位村医不在未读名单中，或不在您的管辖范围内。")},
    )
    township = StrictIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    remind_all = ButtonField()

    def __init__(self, *args, doctors, **kwargs):
        """``doctors``: the notice's unread doctor logins in the user's scope (``cms.selectors.unread_doctors``)."""
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = doctors  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("remind_all") and not cleaned.get("doctor") and "doctor" not in self.errors:
            raise forms.ValidationError(_("请选择要提醒的村医，或点“全部提醒”。"))
        return cleaned
