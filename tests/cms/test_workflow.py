"""The editorial workflow through Wagtail's own admin views: an editor drafts and submits, a moderator
of the same county approves, the notice goes live. Counties cannot touch each other's notices."""

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from clinics.roles import Role
from cms.models import NoticeIndexPage, NoticePage
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def form(title, **extra):
    data = {
        "title": title,
        "slug": f"n-{abs(hash(title)) % 10**8}",
        "category": "policy",
        "document_number": "青卫发〔2026〕1号",
        "issuing_body": "青山县卫生健康局",
        "issued_on": "2026-11-01",
        "effective_on": "",
        "summary": "",
        "body": streamfield([("paragraph", rich_text("<p>村医补助按季度预拨。</p>"))]),
        "attachments": inline_formset([]),
        "audience": "public",
    }
    townships = extra.pop("townships", None)
    data.update(extra)
    data = nested_form_data(data)
    if townships:
        data["townships"] = [str(pk) for pk in townships]
    return data


def add_url(county):
    index = NoticeIndexPage.objects.get(county=county)
    return reverse("wagtailadmin_pages:add", args=["cms", "noticepage", index.pk])


def test_editor_drafts_and_submits_moderator_approves(org, client_for):
    editor, moderator = client_for(org.users.editor), client_for(org.users.moderator)
    response = editor.post(add_url(org.county_a), {**form("关于村医培训的通知"), "action-submit": "1"})
    assert response.status_code == 302
    page = NoticePage.objects.get(title="关于村医培训的通知")
    assert page.live is False and page.county_id == org.county_a.pk
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert client_for(None).get(page.url).status_code == 404

    # The editor cannot publish directly: the publish action needs publish permission.
    editor.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), {**form("关于村医培训的通知"), "action-publish": "1"}
    )
    assert NoticePage.objects.get(pk=page.pk).live is False

    task_state = state.current_task_state
    response = moderator.post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]), {"comment": "同意发布"}
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live is True
    assert client_for(None).get(page.url).status_code == 200


def test_county_admin_moderates_too(org, client_for):
    client_for(org.users.editor).post(add_url(org.county_a), {**form("县管理员审核的通知"), "action-submit": "1"})
    page = NoticePage.objects.get(title="县管理员审核的通知")
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    client_for(org.users.county).post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]), {}
    )
    page.refresh_from_db()
    assert page.live is True


def test_moderator_of_another_county_cannot_approve(org, client_for):
    far_moderator = make_user("moderator_b", Role.NOTICE_MODERATOR, county=org.county_b)
    client_for(org.users.editor).post(add_url(org.county_a), {**form("跨县审核测试"), "action-submit": "1"})
    page = NoticePage.objects.get(title="跨县审核测试")
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    client_for(far_moderator).post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]), {}
    )
    page.refresh_from_db()
    assert page.live is False


def test_editor_cannot_add_under_another_county(org, client_for):
    response = client_for(org.users.editor).post(add_url(org.county_b), {**form("越权通知"), "action-submit": "1"})
    assert response.status_code == 404  # another county's page is not found (cms.admin.scope)
    assert not NoticePage.objects.filter(title="越权通知").exists()


def test_township_staff_and_doctors_cannot_edit_notices(org, client_for, notices):
    for user in (org.users.township, org.users.doctor):
        response = client_for(user).get(reverse("wagtailadmin_pages:edit", args=[notices.public.pk]))
        assert response.status_code in (302, 403)


def test_audience_townships_must_name_townships_of_the_county(org, client_for):
    client = client_for(org.users.moderator)
    response = client.post(add_url(org.county_a), {**form("指定乡镇通知", audience="townships"), "action-publish": "1"})
    assert response.status_code == 200
    assert "请至少选择一个乡镇" in response.content.decode()
    response = client.post(
        add_url(org.county_a),
        {**form("指定乡镇通知", audience="townships", townships=[org.tb1.pk]), "action-publish": "1"},
    )
    assert response.status_code == 200 and not NoticePage.objects.filter(title="指定乡镇通知").exists()
    response = client.post(
        add_url(org.county_a),
        {**form("指定乡镇通知", audience="townships", townships=[org.ta2.pk]), "action-publish": "1"},
    )
    assert response.status_code == 302
    page = NoticePage.objects.get(title="指定乡镇通知")
    assert page.live and list(page.townships.all()) == [org.ta2]


def test_effective_date_before_issue_date_is_a_field_error(org, client_for):
    response = client_for(org.users.moderator).post(
        add_url(org.county_a), {**form("日期错误", effective_on="2026-10-01"), "action-publish": "1"}
    )
    assert response.status_code == 200 and "施行日期不能早于发文日期" in response.content.decode()


def test_script_in_rich_text_is_stripped(org, client_for):
    from cms.blocks import SafeRichTextBlock

    body = streamfield(
        [("paragraph", rich_text('<p>正文<script>alert(1)</script><a href="javascript:alert(2)">链接</a></p>'))]
    )
    client_for(org.users.moderator).post(add_url(org.county_a), {**form("脚本测试", body=body), "action-publish": "1"})
    page = NoticePage.objects.get(title="脚本测试")
    html = page.body.render_as_block() if hasattr(page.body, "render_as_block") else str(page.body)
    assert "<script" not in html and "javascript:" not in html
    # Markup that reached the database some other way is cleaned when loaded.
    block = SafeRichTextBlock()
    assert "<script" not in block.to_python("<p>x</p><script>alert(1)</script>").source
    assert "onerror" not in block.to_python('<p><img src=x onerror="alert(1)"></p>').source


def test_scheduled_notice_goes_live_with_publish_scheduled(org, notices):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Revision

    past = timezone.now() - timedelta(minutes=1)
    revision = Revision.objects.get(object_id=str(notices.scheduled.pk), approved_go_live_at__isnull=False)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save()
    call_command("publish_scheduled")
    notices.scheduled.refresh_from_db()
    assert notices.scheduled.live is True
    call_command("publish_scheduled")  # and unpublishes the expired one
    notices.expired.refresh_from_db()
    assert notices.expired.live is False and notices.expired.expired is True


def test_editor_edits_own_county_notices_only(org, client_for, notices):
    editor = client_for(org.users.editor)
    assert editor.get(reverse("wagtailadmin_pages:edit", args=[notices.public.pk])).status_code == 200
    assert editor.get(reverse("wagtailadmin_pages:edit", args=[notices.far_public.pk])).status_code == 404
    far_index = NoticeIndexPage.objects.get(county=org.county_b)
    html = editor.get(reverse("wagtailadmin_explore", args=[far_index.get_parent().pk])).content.decode()
    assert "绿水县通知公告" not in html


def test_the_add_and_edit_screens_do_not_autosave(org, client_for):
    """The first autosave of a new page creates it; on a slow line the editor's submit then creates it a second time
    and fails on the slug. Both screens must come without Wagtail's autosave controller."""
    editor = client_for(org.users.editor)
    add = editor.get(add_url(org.county_a))
    assert add.status_code == 200 and "w-unsaved" in add.content.decode()
    assert "data-w-autosave-interval-value" not in add.content.decode()
    editor.post(add_url(org.county_a), form("不自动保存的通知"))
    page = NoticePage.objects.get(title="不自动保存的通知")
    edit = editor.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200 and "data-w-autosave-interval-value" not in edit.content.decode()
