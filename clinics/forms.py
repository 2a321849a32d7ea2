from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from clinics import services
from clinics.models import UserScope
from clinics.roles import REGIONAL_ROLES, Role
from clinics.selectors import (
    assignable_users_for,
    cities_for,
    clinics_for,
    counties_for,
    provinces_for,
    townships_for,
)
from core.admin.viewsets import ScopedModelForm
from core.offline import ENTRY_KINDS
from core.validation import MAX_YEAR, MIN_YEAR, StrictDateField, StrictIntegerField


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入。"),
        "inactive": _("该账号已停用，请联系乡镇卫生院。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})


class UserScopeForm(ScopedModelForm):
    """A role assignment: the place must match the role and lie within the editor's county."""

    scoped_choices = {
        "county": counties_for,
        "township": townships_for,
        "clinic": clinics_for,
        "user": assignable_users_for,
        "city": cities_for,
        "province": provinces_for,
    }

    class Meta:
        model = UserScope
        fields = ["user", "role", "county", "township", "clinic", "city", "province"]

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        needed = {
            Role.VILLAGE_DOCTOR: "clinic",
            Role.TOWNSHIP_STAFF: "township",
            Role.COUNTY_ADMIN: "county",
            Role.NOTICE_EDITOR: "county",
            Role.NOTICE_MODERATOR: "county",
            Role.CITY_OFFICIAL: "city",
            Role.PROVINCE_OFFICIAL: "province",
        }.get(role)
        if needed is None:
            return cleaned
        labels = {
            "clinic": _("村卫生室"),
            "township": _("乡镇"),
            "county": _("县"),
            "city": _("市"),
            "province": _("省"),
        }
        if not cleaned.get(needed):
            self.add_error(
                needed, _("角色“%(role)s”必须选择%(place)s。") % {"role": Role(role).label, "place": labels[needed]}
            )
        for other in set(labels) - {needed}:
            if other in self.fields and cleaned.get(other):
                self.add_error(
                    other,
                    _("角色“%(role)s”不需要选择%(place)s，请留空。")
                    % {"role": Role(role).label, "place": labels[other]},
                )
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hints = {
            "role": _("村医选“村卫生室”；卫生院工作人员选“乡镇”；卫健局管理员、宣传编辑和宣传审核选“县”。其余留空。")
        }
        for name, hint in hints.items():
            if name in self.fields:
                self.fields[name].help_text = hint
        # The levels above the county are set up by the system administrator only: a county admin neither gives
        # those roles nor sees the city / province fields.
        user = self.for_user
        if user is None or not user.is_superuser:
            for name in ("city", "province"):
                self.fields.pop(name, None)
            if "role" in self.fields:
                self.fields["role"].choices = [
                    (value, label) for value, label in self.fields["role"].choices if value not in REGIONAL_ROLES
                ]
        elif "role" in self.fields:
            self.fields["role"].help_text = _(
                "村医选“村卫生室”；卫生院工作人员选“乡镇”；卫健局管理员、宣传编辑和宣传审核选“县”；"
                "市卫健委选“市”；省卫健委选“省”。其余留空。"
            )


class NewLoginForm(UserScopeForm):
    """Create a login together with its role and place (used by county admins)."""

    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("登录用，建议用拼音或工号，如 zhangsan、staff07。")
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(render_value=False),
        min_length=8,
        help_text=_("至少 8 位。请告知本人首次登录后修改。"),
    )

    field_order = ["username", "full_name", "password", "role", "county", "township", "clinic", "city", "province"]

    class Meta(UserScopeForm.Meta):
        fields = ["role", "county", "township", "clinic", "city", "province"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名“%(name)s”已被使用。") % {"name": username})
        return username

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password

    def save(self, commit=True):
        user = services.create_user_with_role(
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password"],
            full_name=self.cleaned_data["full_name"],
            role=self.cleaned_data["role"],
            county=self.cleaned_data.get("county"),
            township=self.cleaned_data.get("township"),
            clinic=self.cleaned_data.get("clinic"),
            city=self.cleaned_data.get("city"),
            province=self.cleaned_data.get("province"),
        )
        return user.scope


# --------------------------------------------------------------------------- data import / export


class ImportJobActionForm(forms.Form):
    """What the job page's button asks for: confirm a checked file, or retry a failed job."""

    action = forms.ChoiceField(
        choices=[("confirm", _("确认导入")), ("retry", _("重新导入"))],
        required=False,
        widget=forms.HiddenInput,
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel 或 CSV 文件"), help_text=_("支持 .xlsx 和 .csv；第一行为表头。"))


class ImportConfirmForm(forms.Form):
    """The preview's "确认导入": the stored file's name (``None`` when this post is an upload)."""

    token = forms.RegexField(regex=r"^[0-9a-f]{32}\.(xlsx|csv)$", required=False, empty_value=None)


class DownloadFormatForm(forms.Form):
    """``?format=``: one of ``formats`` (the first when missing or unknown, as before)."""

    format = forms.CharField(required=False)

    def __init__(self, data, *, formats: tuple[str, ...]):
        super().__init__(data)
        self.formats = formats

    def chosen(self) -> str:
        self.is_valid()
        value = self.cleaned_data.get("format")
        return value if value in self.formats else self.formats[0]


# --------------------------------------------------------------------------- login security and dashboard


class UnlockForm(forms.Form):
    """The locked account to unlock (the service checks it is one of the admin's county)."""

    username = forms.CharField(required=False, max_length=150, strip=False)


class LoginLogFilterForm(forms.Form):
    """``?kind=ok|failed`` (successful logins when missing or unknown) and the page ``?p=``."""

    KINDS = ("ok", "failed")

    kind = forms.CharField(required=False)
    p = StrictIntegerField(required=False, min_value=1)

    def chosen_kind(self) -> str:
        self.is_valid()
        kind = self.cleaned_data.get("kind")
        return kind if kind in self.KINDS else self.KINDS[0]

    def page(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("p") or 1


class DashboardCountyForm(forms.Form):
    """``?county=<code>`` of the county dashboard (``clinics.selectors.county_for_dashboard`` checks scope)."""

    county = forms.CharField(required=False)

    def code(self) -> str | None:
        self.is_valid()
        return self.cleaned_data.get("county") or None


class RegionBoardForm(forms.Form):
    """``?year=YYYY`` and ``?city=<code>`` of the comparison of counties; anything else falls back to the defaults."""

    year = StrictIntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    city = forms.CharField(required=False, max_length=20)

    def choice(self) -> tuple[int | None, str | None]:
        self.is_valid()
        return self.cleaned_data.get("year"), self.cleaned_data.get("city") or None


class OfflineEntryForm(forms.Form):
    """One entry sent by the offline portal's queue (a JSON object): its client-made UUID, its kind (registered in
    ``core.offline``), the id of the user who made it on the phone, the page's parameters (``params``: e.g. the
    report's year and month) and the form's fields as strings (``fields``: validated by that kind's own form)."""

    id = forms.UUIDField()
    kind = forms.ChoiceField(choices=())
    user = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    params = forms.JSONField(required=False)
    values = forms.JSONField(required=False)  # the entry's "fields" (``fields`` is taken on a form)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(name, kind.label) for name, kind in ENTRY_KINDS.items()]  # type: ignore[attr-defined]

    def _clean_object(self, name: str, values: str) -> dict:
        value = self.cleaned_data.get(name) or {}
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise forms.ValidationError(_("记录格式不正确。"))
        if values == "scalars" and not all(isinstance(v, (str, int)) for v in value.values()):
            raise forms.ValidationError(_("记录格式不正确。"))
        if values == "strings" and not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError(_("记录格式不正确。"))
        return value

    def clean_params(self) -> dict:
        return self._clean_object("params", "scalars")

    def clean_values(self) -> dict:
        return self._clean_object("values", "strings")


class AuditFilterForm(forms.Form):
    """The change history's search (``?user=&since=&until=&model=&p=``); the place is ``ScopeFilterForm``'s."""

    user = forms.CharField(label=_("操作人"), required=False, max_length=150)
    since = StrictDateField(label=_("起始日期"), required=False)
    until = StrictDateField(label=_("截止日期"), required=False)
    model = forms.ChoiceField(label=_("数据类别"), required=False)
    p = StrictIntegerField(required=False, min_value=1)
    export = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "xlsx"), ("csv", "csv")])

    def __init__(self, data, *, models_choices):
        super().__init__(data)
        self.fields["model"].choices = [("", _("全部")), *models_choices]  # type: ignore[attr-defined]  # a ChoiceField
        self.is_valid()

    def get(self, name, default=None):
        value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
        return default if value in (None, "") else value
