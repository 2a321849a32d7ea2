"""The reports' own change table (ReportChange) gives way to the one change history (clinics.AuditEntry):
its rows are copied there first (one action per report and minute and user), then it is dropped."""

from django.db import migrations

STATUS = {"draft": "草稿", "submitted": "已提交，待核实", "returned": "已退回，待修改", "verified": "已核实"}
FIELDS = {"declared_count": "申报数", "status": "状态", "verification": "核实"}


def copy_to_history(apps, schema_editor):
    ReportChange = apps.get_model("programs", "ReportChange")
    AuditEntry = apps.get_model("clinics", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ReportChange.objects.exists():
        return
    report_type, _ = ContentType.objects.get_or_create(app_label="programs", model="servicereport")
    entries = []
    for change in ReportChange.objects.select_related("report__clinic__township", "item").iterator():
        report = change.report
        before, after = change.before or "None", change.after or "None"
        if change.field == "status":
            before, after = STATUS.get(before, before), STATUS.get(after, after)
        label = FIELDS.get(change.field, change.field)
        if change.item_id:
            label = f"{change.item.name}：{label}"
        entries.append(
            AuditEntry(
                content_type=report_type,
                object_pk=str(report.pk),
                object_id=report.pk,
                object_repr=f"{report.clinic.name} {report.year}年{report.month}月",
                action=1,
                changes={label: [before, after]},
                changes_text="",
                actor_id=change.by_id,
                timestamp=change.at,
                cid=f"reportchange-{report.pk}-{change.by_id}-{change.at:%Y%m%d%H%M}",
                reason=change.note,
                clinic_id=report.clinic_id,
                township_id=report.clinic.township_id,
                county_id=report.clinic.township.county_id,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0006_report_version"),
        ("clinics", "0006_audit_entry"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_to_history, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReportChange"),
    ]
