"""Every input of the doctors screens (admin and portal) is one of these forms; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from core.forms import ButtonField
from core.versioning import version_field
from doctors.models import Licence, OutboxMessage, PortalMessage
from doctors.selectors import messages_for_doctor, outbox_for


class RenewalStatusForm(forms.Form):
    """``?status=`` of the renewal list: ``open`` (the default), a status, or ``all``/anything else for every one."""

    status = forms.CharField(required=False)

    def chosen(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("status") or "open"


class ReviewForm(forms.Form):
    ACTIONS = ("forward", "return", "approve", "refuse")

    note = forms.CharField(
        label=gettext_lazy("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_number = forms.CharField(label=gettext_lazy("新证书编号（留空自动编号）"), required=False, max_length=40)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = version_field()


class ApplyOnBehalfForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("申请说明"), required=False)

    def clean_note(self) -> str:
        return self.cleaned_data["note"][:500]  # as before: a longer note is cut, not refused


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("注销原因"), choices=Licence.CancelReason.choices)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=300)


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("申请说明（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrainingFilterForm(forms.Form):
    """``?behind=1``: only the doctors behind the yearly rule (the year is a ``ScopeFilterForm`` filter)."""

    behind = forms.BooleanField(required=False)

    def only_behind(self) -> bool:
        return self.is_valid() and self.cleaned_data["behind"]


class OutboxFilterForm(forms.Form):
    """``?status=`` and ``?channel=`` of the outbox page (anything else: every row)."""

    status = forms.ChoiceField(required=False, choices=[("", ""), *OutboxMessage.Status.choices])
    channel = forms.ChoiceField(required=False, choices=[("", ""), *OutboxMessage.Channel.choices])

    def value(self, name: str) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""


class RetryOutboxForm(forms.Form):
    """重发 a failed message: the id is chosen among the failed messages of the user's scope."""

    message = forms.ModelChoiceField(
        queryset=OutboxMessage.objects.none(),
        error_messages={"invalid_choice": gettext_lazy("这条消息不存在、不在您的管辖范围内，或已不是发送失败的状态。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].queryset = outbox_for(user).filter(status=OutboxMessage.Status.FAILED)  # type: ignore[attr-defined]


class MarkReadForm(forms.Form):
    """知道了: the doctor marks one of their own portal messages read."""

    message = forms.ModelChoiceField(
        queryset=PortalMessage.objects.none(),
        error_messages={"invalid_choice": gettext_lazy("这条消息不存在或不是发给您的。")},
    )
    open = ButtonField()  # 去处理: marks it read and opens the page it is about

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].queryset = messages_for_doctor(user=user)  # type: ignore[attr-defined]
