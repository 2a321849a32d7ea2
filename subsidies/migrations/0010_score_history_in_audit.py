"""Score revisions (AssessmentRevision) give way to the one change history (clinics.AuditEntry): each
revision is copied there first (the total before and after, who, when and the reason), then it is dropped."""

from django.db import migrations


def copy_to_history(apps, schema_editor):
    AssessmentRevision = apps.get_model("subsidies", "AssessmentRevision")
    AuditEntry = apps.get_model("clinics", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not AssessmentRevision.objects.exists():
        return
    assessment_type, _ = ContentType.objects.get_or_create(app_label="subsidies", model="assessment")
    entries = []
    for revision in AssessmentRevision.objects.select_related("assessment__clinic__township").iterator():
        assessment = revision.assessment
        entries.append(
            AuditEntry(
                content_type=assessment_type,
                object_pk=str(assessment.pk),
                object_id=assessment.pk,
                object_repr=f"{assessment.clinic.name} {assessment.year}年第{assessment.quarter}季度",
                action=1,
                changes={"total_score": [str(revision.total_before), str(revision.total_after)]},
                changes_text="",
                actor_id=revision.by_id,
                timestamp=revision.at,
                cid=f"assessmentrevision-{revision.pk}",
                reason=revision.reason,
                clinic_id=assessment.clinic_id,
                township_id=assessment.clinic.township_id,
                county_id=assessment.clinic.township.county_id,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0009_policyitem_policy_label"),
        ("clinics", "0006_audit_entry"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_to_history, migrations.RunPython.noop),
        migrations.DeleteModel(name="AssessmentRevision"),
    ]
