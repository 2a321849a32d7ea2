"""Excel import/export of village doctors, licences and training attendance."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from clinics.models import Clinic
from clinics.selectors import can_manage_clinic
from core.dataio import (
    ChineseBooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    ScopedResource,
    StrictDateWidget,
    StrictDecimalWidget,
    register,
)
from doctors import rules
from doctors.models import Gender, Licence, Qualification, TrainingAttendance, TrainingSession, VillageDoctor
from doctors.selectors import sessions_for


class IdNumberWidget(CodeForeignKeyWidget):
    """A doctor given by resident ID number, within the importer's scope."""

    def __init__(self):
        super().__init__(
            VillageDoctor, field="id_number", label=_("乡村医生（身份证号）"), scope_paths={"clinic": "clinic"}
        )

    def clean(self, value, row=None, **kwargs):
        return super().clean(str(value or "").strip().upper(), row, **kwargs)


@register
class VillageDoctorResource(ScopedResource):
    name = "doctors"
    scope_paths = {"clinic": "clinic"}
    import_permission = "doctors.add_villagedoctor"
    export_permission = "doctors.view_villagedoctor"

    name_ = fields.Field(attribute="name", column_name="姓名")
    gender = fields.Field(attribute="gender", column_name="性别", widget=ChoiceWidget(Gender.choices))
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=StrictDateWidget(required=True))
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    mobile = fields.Field(attribute="mobile", column_name="手机号")
    email = fields.Field(attribute="email", column_name="电子邮箱")
    clinic = fields.Field(
        attribute="clinic",
        column_name="卫生室编码",
        widget=CodeForeignKeyWidget(Clinic, label="村卫生室", scope_paths={"clinic": ""}),
    )
    qualification = fields.Field(
        attribute="qualification",
        column_name="执业资格",
        default=Qualification.VILLAGE,
        widget=ChoiceWidget(Qualification.choices, required=False),
    )
    status = fields.Field(
        attribute="status",
        column_name="状态",
        default=VillageDoctor.Status.PRACTISING,
        widget=ChoiceWidget(VillageDoctor.Status.choices, required=False),
    )

    class Meta:
        model = VillageDoctor
        fields = ("name_", "gender", "birth_date", "id_number", "mobile", "email", "clinic", "qualification", "status")
        import_id_fields = ("id_number",)
        skip_diff = True
        clean_model_instances = True

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases["name"] = "姓名"
        return aliases

    def required_columns(self):
        return [c for c in super().required_columns() if c not in {"电子邮箱", "执业资格", "状态"}]

    def get_queryset(self):
        return super().get_queryset().select_related("clinic")

    def before_import_row(self, row, **kwargs):
        for column in ("身份证号", "手机号"):
            if row.get(column) is not None:
                row[column] = str(row[column]).strip().upper()

    def import_instance(self, instance, row, **kwargs):
        old_clinic_id = instance.clinic_id if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if old_clinic_id and instance.clinic_id != old_clinic_id:
            raise ValidationError(
                {"clinic": _("变更执业卫生室请在后台“乡村医生名册”中修改（变更注册），不能通过导入修改。")}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return False


@register
class LicenceResource(ScopedResource):
    name = "licences"
    scope_paths = {"clinic": "doctor__clinic"}
    import_permission = "doctors.add_licence"
    export_permission = "doctors.view_licence"

    number = fields.Field(attribute="number", column_name="证书编号")
    doctor = fields.Field(attribute="doctor", column_name="身份证号", widget=IdNumberWidget())
    doctor_name = fields.Field(column_name="姓名", readonly=True)
    type = fields.Field(
        attribute="type",
        column_name="证书类型",
        default=Qualification.VILLAGE,
        widget=ChoiceWidget(Qualification.choices, required=False),
    )
    issued_on = fields.Field(attribute="issued_on", column_name="发证日期", widget=StrictDateWidget(required=True))
    expires_on = fields.Field(attribute="expires_on", column_name="有效期至", widget=StrictDateWidget())
    status = fields.Field(
        attribute="status",
        column_name="状态",
        readonly=True,
        widget=ChoiceWidget(Licence.Status.choices, required=False),
    )

    class Meta:
        model = Licence
        fields = ("number", "doctor", "doctor_name", "type", "issued_on", "expires_on", "status")
        import_id_fields = ("number",)
        skip_diff = True
        clean_model_instances = True

    def required_columns(self):
        return ["证书编号", "身份证号", "发证日期"]

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases.update({"姓名": "姓名", "状态": "状态"})
        return aliases

    def get_queryset(self):
        return super().get_queryset().select_related("doctor")

    def dehydrate_doctor_name(self, licence):
        return licence.doctor.name

    def import_instance(self, instance, row, **kwargs):
        if instance.pk:
            raise ValidationError({"number": _("证书编号已存在，不能重复。已发证书的更正请在后台办理。")})
        super().import_instance(instance, row, **kwargs)
        if instance.issued_on and not instance.expires_on:
            instance.expires_on = rules.licence_expiry(instance.issued_on)


class SessionWidget(CodeForeignKeyWidget):
    def __init__(self):
        super().__init__(TrainingSession, field="code", label=_("培训"))

    def get_queryset(self, value, row, *args, **kwargs):

        user = kwargs.get("user")
        return sessions_for(user) if user is not None else TrainingSession.objects.all()


@register
class TrainingAttendanceResource(ScopedResource):
    name = "training_attendance"
    scope_paths = {"clinic": "doctor__clinic"}
    import_permission = "doctors.add_trainingattendance"
    export_permission = "doctors.view_trainingattendance"

    session = fields.Field(attribute="session", column_name="培训编号", widget=SessionWidget())
    topic = fields.Field(column_name="培训主题", readonly=True)
    doctor = fields.Field(attribute="doctor", column_name="身份证号", widget=IdNumberWidget())
    doctor_name = fields.Field(column_name="姓名", readonly=True)
    attended = fields.Field(attribute="attended", column_name="出勤", default=True, widget=ChineseBooleanWidget())
    # Places and the 0–100 range come from the model fields (their validators).
    written_score = fields.Field(attribute="written_score", column_name="笔试成绩", widget=StrictDecimalWidget())
    oral_score = fields.Field(attribute="oral_score", column_name="口试成绩", widget=StrictDecimalWidget())

    class Meta:
        model = TrainingAttendance
        fields = ("session", "topic", "doctor", "doctor_name", "attended", "written_score", "oral_score")
        import_id_fields = ("session", "doctor")
        skip_diff = True
        clean_model_instances = True

    def required_columns(self):
        return ["培训编号", "身份证号"]

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases.update({"姓名": "姓名", "培训主题": "培训主题"})
        return aliases

    def get_queryset(self):
        return super().get_queryset().select_related("session", "doctor")

    def dehydrate_topic(self, row):
        return row.session.topic

    def dehydrate_doctor_name(self, row):
        return row.doctor.name

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        errors = {}
        if instance.doctor_id and instance.session_id:
            doctor = instance.doctor
            if self.user is not None and not can_manage_clinic(self.user, doctor.clinic):
                errors["doctor"] = _("该医生不在您的管辖范围内")
            elif instance.session.county_id != doctor.clinic.township.county_id:
                errors["session"] = _("这次培训不属于该医生所在的县")
        if errors:
            raise ValidationError(errors)
        instance.recorded_by = self.user
