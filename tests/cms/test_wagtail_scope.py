"""Wagtail's shared admin areas are kept to the user's county: documents and images (one collection per
county), the page explorer and every page view, reports, workflow modals, choosers, search, bulk
actions and the menu. County A's editor, moderator and admin never see county B's files, titles,
workflows or staff names; township staff have no page, document or image work at all."""

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Workflow, WorkflowState

from clinics.roles import ROLE_GROUP_NAMES, Role
from cms.models import CountyCollection, NoticeAttachment, NoticeIndexPage, NoticePage
from cms.services import editor_group_name, file_media_into_counties, moderator_group_name
from tests.cms.conftest import add_notice
from tests.cms.test_workflow import add_url, form
from tests.factories import make_user
from tests.permissions import DENIED, matches

pytestmark = pytest.mark.django_db

COUNTY_ROLES = ["editor", "moderator", "county"]
# What of county B must never reach county A's users: file titles, notice titles, B's staff, B's workflow.
B_MARKS = [
    "绿水县文件",
    "绿水县图片",
    "绿水县待审通知",
    "绿水县村医补助公示",
    "Greenwater",
    "editor_b",
    "county_b",
    "绿水县通知审核",
    "绿水县宣传审核",
    "绿水县通知公告",
]


def text(response) -> str:
    body = response.content.decode()
    if "json" in response.headers.get("Content-Type", ""):
        body = json.dumps(response.json(), ensure_ascii=False)
    return body


def assert_no_b(response):
    body = text(response)
    leaked = [mark for mark in B_MARKS if mark in body]
    assert not leaked, f"county B shows through: {leaked}"


def collection_of(county):
    return CountyCollection.objects.get(county=county).collection


@pytest.fixture
def scene(org, client_for, notices, tmp_path):
    """Files of both counties, and county B's own activity: a notice its editor submitted (awaiting
    moderation), an edit by its admin, a page its moderator locked."""
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        a, b = collection_of(org.county_a), collection_of(org.county_b)
        doc_a = Document.objects.create(title="青山县文件", file=ContentFile(b"%PDF-1.4", name="a.pdf"), collection=a)
        doc_b = Document.objects.create(title="绿水县文件", file=ContentFile(b"%PDF-1.4", name="b.pdf"), collection=b)
        img_a = Image.objects.create(title="青山县图片", file=get_test_image_file(), collection=a)
        img_b = Image.objects.create(title="绿水县图片", file=get_test_image_file(), collection=b)
        editor_b = make_user("editor_b", Role.NOTICE_EDITOR, county=org.county_b)
        moderator_b = make_user("moderator_b", Role.NOTICE_MODERATOR, county=org.county_b)
        response = client_for(editor_b).post(add_url(org.county_b), {**form("绿水县待审通知"), "action-submit": "1"})
        assert response.status_code == 302
        pending = NoticePage.objects.get(title="绿水县待审通知")
        notices.far_public.save_revision(user=org.users.other_county, log_action=True)
        NoticePage.objects.filter(pk=notices.far_doctors.pk).update(locked=True, locked_by=moderator_b)
        state = WorkflowState.objects.get(object_id=str(pending.pk))
        yield SimpleNamespace(
            doc_a=doc_a,
            doc_b=doc_b,
            img_a=img_a,
            img_b=img_b,
            pending=pending,
            state=state,
            editor_b=editor_b,
            notices=notices,
            index_a=NoticeIndexPage.objects.get(county=org.county_a),
            index_b=NoticeIndexPage.objects.get(county=org.county_b),
        )


# --- collections ---------------------------------------------------------------------------------


def test_each_county_gets_a_collection_and_its_groups_hold_media_permissions_there_only(org):
    a, b = collection_of(org.county_a), collection_of(org.county_b)
    root = Collection.get_first_root_node()
    assert a.get_parent() == root and b.get_parent() == root and a != b
    for county, collection in ((org.county_a, a), (org.county_b, b)):
        for name in (editor_group_name(county), moderator_group_name(county)):
            rows = GroupCollectionPermission.objects.filter(group__name=name)
            assert {row.collection_id for row in rows} == {collection.pk}
            assert {row.permission.codename for row in rows} >= {"add_document", "choose_document", "change_image"}
            # page permissions: the county's own notice index only
            pages = set(GroupPagePermission.objects.filter(group__name=name).values_list("page_id", flat=True))
            assert pages == {NoticeIndexPage.objects.get(county=county).pk}


def test_sync_takes_back_permissions_given_elsewhere(org):
    from cms.services import ensure_county_notices

    group = Group.objects.get(name=editor_group_name(org.county_a))
    permission = Permission.objects.get(codename="change_document")
    GroupCollectionPermission.objects.create(group=group, collection=collection_of(org.county_b), permission=permission)
    ensure_county_notices(county=org.county_a)
    assert not GroupCollectionPermission.objects.filter(group=group, collection=collection_of(org.county_b)).exists()


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_document_and_image_listings_and_choosers_show_the_own_county_only(org, client_for, scene, role):
    client = client_for(getattr(org.users, role))
    for url_name, own in (
        ("wagtaildocs:index", "青山县文件"),
        ("wagtaildocs_chooser:choose", "青山县文件"),
        ("wagtailimages:index", "青山县图片"),
        ("wagtailimages_chooser:choose", "青山县图片"),
    ):
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        assert own in text(response)
        assert_no_b(response)
    response = client.get(reverse("wagtaildocs:index") + "?q=绿水")
    assert_no_b(response)


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_other_countys_document_and_image_cannot_be_opened_changed_or_deleted(org, client_for, scene, role):
    client = client_for(getattr(org.users, role))
    theirs = [
        reverse("wagtaildocs:edit", args=[scene.doc_b.pk]),
        reverse("wagtaildocs:delete", args=[scene.doc_b.pk]),
        reverse("wagtaildocs:document_usage", args=[scene.doc_b.pk]),
        reverse("wagtailimages:edit", args=[scene.img_b.pk]),
        reverse("wagtailimages:delete", args=[scene.img_b.pk]),
        reverse("wagtailimages:image_usage", args=[scene.img_b.pk]),
    ]
    for url in theirs:
        response = client.get(url)
        assert matches(DENIED, response) or response.status_code == 404, (url, response.status_code)
        assert_no_b(response)
    response = client.post(reverse("wagtaildocs:delete", args=[scene.doc_b.pk]))
    assert Document.objects.filter(pk=scene.doc_b.pk).exists()
    ours = [
        reverse("wagtaildocs:edit", args=[scene.doc_a.pk]),
        reverse("wagtaildocs:document_usage", args=[scene.doc_a.pk]),
        reverse("wagtailimages:edit", args=[scene.img_a.pk]),
    ]
    for url in ours:
        assert client.get(url).status_code == 200, url


def test_upload_lands_in_the_own_countys_collection_and_no_other_is_offered(org, client_for, tmp_path):
    client = client_for(org.users.editor)
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        html = client.get(reverse("wagtaildocs:add")).content.decode()
        assert "绿水县（LS）" not in html
        response = client.post(
            reverse("wagtaildocs:add"),
            {
                "title": "新上传",
                "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4"),
                "collection": str(collection_of(org.county_b).pk),
            },
        )
    assert response.status_code == 302
    assert Document.objects.get(title="新上传").collection == collection_of(org.county_a)


def test_existing_files_are_filed_into_the_county_whose_notices_use_them(org, tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        root = Collection.get_first_root_node()

        def doc(title, **kwargs):
            return Document.objects.create(
                title=title, file=ContentFile(b"%PDF", name="f.pdf"), collection=root, **kwargs
            )

        attached, in_body, unused, shared, stray = (
            doc("附件"),
            doc("正文里的文件"),
            doc("未用", uploaded_by_user=org.users.other_county),
            doc("两县共用"),
            doc("无主"),
        )
        image = Image.objects.create(title="正文图片", file=get_test_image_file(), collection=root)
        notice_a = add_notice(org.county_a, "带附件的通知")
        NoticeAttachment.objects.create(page=notice_a, document=attached)
        add_notice(
            org.county_b,
            "正文引用文件的通知",
            body=[
                {"type": "document", "value": in_body.pk},
                {"type": "document", "value": shared.pk},
                {"type": "image", "value": {"image": image.pk, "caption": ""}},
            ],
        )
        add_notice(org.county_a, "也引用共用文件", body=[{"type": "document", "value": shared.pk}])
        assert file_media_into_counties() == 4
        a, b = collection_of(org.county_a), collection_of(org.county_b)
        for item, expected in ((attached, a), (in_body, b), (unused, b), (shared, root), (stray, root)):
            item.refresh_from_db()
            assert item.collection == expected, item.title
        image.refresh_from_db()
        assert image.collection == b
        assert file_media_into_counties() == 0


def test_township_staff_see_no_files(org, client_for, scene):
    client = client_for(org.users.township)
    for url_name in (
        "wagtaildocs:index",
        "wagtailimages:index",
        "wagtaildocs_chooser:choose",
        "wagtailimages_chooser:choose",
    ):
        response = client.get(reverse(url_name))
        assert "青山县文件" not in text(response) and "青山县图片" not in text(response)
        assert_no_b(response)


# --- pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_own_explorer_names_no_staff_of_the_other_county(org, client_for, scene, role):
    response = client_for(getattr(org.users, role)).get(reverse("wagtailadmin_explore", args=[scene.index_a.pk]))
    assert response.status_code == 200 and "关于村医补助标准的通知" in response.content.decode()
    assert_no_b(response)
    response = client_for(getattr(org.users, role)).get(
        reverse("wagtailadmin_pages:type_use", args=["cms", "noticepage"])
    )
    assert response.status_code == 200
    assert_no_b(response)


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_every_page_view_of_the_other_county_is_not_found(org, client_for, scene, role):
    client = client_for(getattr(org.users, role))
    page, task_state = scene.pending, scene.state.current_task_state
    urls = [
        reverse("wagtailadmin_explore", args=[scene.index_b.pk]),
        reverse("wagtailadmin_explore", args=[page.pk]),
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        reverse("wagtailadmin_pages:history", args=[page.pk]),
        reverse("wagtailadmin_pages:usage", args=[page.pk]),
        reverse("wagtailadmin_pages:revisions_index", args=[page.pk]),
        reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, "earliest", "latest"]),
        reverse("wagtailadmin_pages:workflow_history", args=[page.pk]),
        reverse("wagtailadmin_pages:workflow_history_detail", args=[page.pk, scene.state.pk]),
        reverse("wagtailadmin_pages:confirm_workflow_cancellation", args=[page.pk]),
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:collect_workflow_action_data", args=[page.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:workflow_preview", args=[page.pk, task_state.task_id]),
        reverse("wagtailadmin_pages:view_draft", args=[page.pk]),
        reverse("wagtailadmin_pages:add_subpage", args=[scene.index_b.pk]),
        reverse("wagtailadmin_choose_page_child", args=[scene.index_b.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert_no_b(response)
    # and approving by POST does nothing
    client.post(reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]), {})
    page.refresh_from_db()
    assert page.live is False


def test_own_page_views_still_work(org, client_for, scene):
    client = client_for(org.users.moderator)
    page = scene.notices.public
    for url in (
        reverse("wagtailadmin_explore", args=[scene.index_a.pk]),
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        reverse("wagtailadmin_pages:history", args=[page.pk]),
        reverse("wagtailadmin_pages:usage", args=[page.pk]),
        reverse("wagtailadmin_pages:workflow_history", args=[page.pk]),
        reverse("wagtailadmin_choose_page_child", args=[scene.index_a.pk]),
    ):
        assert client.get(url).status_code == 200, url
    # the home page above the county tree: Wagtail sends the user to their own root, as before
    response = client.get(reverse("wagtailadmin_explore", args=[scene.index_a.get_parent().pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/pages/{scene.index_a.pk}/")


def test_township_staff_have_no_page_work(org, client_for, scene):
    client = client_for(org.users.township)
    for url in (
        reverse("wagtailadmin_pages:edit", args=[scene.notices.public.pk]),
        reverse("wagtailadmin_pages:confirm_workflow_cancellation", args=[scene.pending.pk]),
        reverse("wagtailadmin_explore", args=[scene.index_a.pk]),
    ):
        response = client.get(url)
        assert matches(DENIED, response), (url, response.status_code)


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_page_chooser_and_page_search_stay_in_the_county(org, client_for, scene, role):
    add_notice(org.county_a, "Greenhill notice")
    add_notice(org.county_b, "Greenwater notice")
    client = client_for(getattr(org.users, role))
    response = client.get(reverse("wagtailadmin_pages:search") + "?q=notice")
    assert response.status_code == 200 and "Greenhill notice" in response.content.decode()
    assert_no_b(response)
    for url in (
        reverse("wagtailadmin_choose_page"),
        reverse("wagtailadmin_choose_page_search") + "?q=notice",
        reverse("wagtailadmin_choose_page_child", args=[scene.index_a.get_parent().pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_b(response)
    assert "Greenhill notice" in text(client.get(reverse("wagtailadmin_choose_page_search") + "?q=notice"))


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_bulk_actions_on_the_other_countys_items_are_not_found(org, client_for, scene, role):
    client = client_for(getattr(org.users, role))
    for url in (
        f"/admin/bulk/wagtailcore/page/delete/?id={scene.pending.pk}",
        f"/admin/bulk/wagtailcore/page/unpublish/?id={scene.notices.far_public.pk}&id={scene.notices.public.pk}",
        "/admin/bulk/wagtailcore/page/delete/?id=all",
        f"/admin/bulk/wagtailcore/page/delete/?id=all&childOf={scene.index_b.pk}",
        f"/admin/bulk/wagtaildocs/document/delete/?id={scene.doc_b.pk}",
        f"/admin/bulk/wagtailimages/image/delete/?id={scene.img_b.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_no_b(response)
    assert client.get(f"/admin/bulk/wagtaildocs/document/delete/?id={scene.doc_a.pk}").status_code == 200


# --- reports and workflows -----------------------------------------------------------------------

REPORTS = ["site_history", "page_types_usage", "workflow", "workflow_tasks", "aging_pages", "locked_pages"]


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_reports_show_nothing_of_the_other_county(org, client_for, scene, role):
    client_for(org.users.moderator).post(reverse("wagtailadmin_pages:lock", args=[scene.notices.public.pk]))
    client = client_for(getattr(org.users, role))
    for name in REPORTS:
        for suffix in ("", "_results"):
            response = client.get(reverse(f"wagtailadmin_reports:{name}{suffix}"))
            if name == "locked_pages" and role == "editor":  # editors cannot unlock: Wagtail denies
                assert matches(DENIED, response)
                continue
            assert response.status_code == 200, name
            assert_no_b(response)
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "关于村医补助标准的通知" in history
    usage = client.get(reverse("wagtailadmin_reports:page_types_usage")).content.decode()
    assert "定时发布的村医补助通知" in usage or "已过期的村医补助通知" in usage or "关于村医补助标准的通知" in usage


def test_site_history_is_not_for_township_staff(org, client_for, scene):
    for user in (org.users.township, org.users.other_township):
        client = client_for(user)
        for name in REPORTS:
            response = client.get(reverse(f"wagtailadmin_reports:{name}"))
            assert matches(DENIED, response), (name, response.status_code)
            assert_no_b(response)


@pytest.mark.parametrize("role", COUNTY_ROLES)
def test_workflow_admin_is_closed_to_county_roles(org, client_for, scene, role):
    client = client_for(getattr(org.users, role))
    workflow_b = Workflow.objects.get(name="绿水县通知审核")
    for url in (
        reverse("wagtailadmin_workflows:index"),
        reverse("wagtailadmin_workflows:edit", args=[workflow_b.pk]),
        reverse("wagtailadmin_workflows:usage", args=[workflow_b.pk]),
        reverse("wagtailadmin_workflows:task_index"),
    ):
        response = client.get(url)
        assert response.status_code != 200, url
        assert_no_b(response)


def test_superuser_still_sees_both_counties(org, client_for, scene):
    client = client_for(org.users.superuser)
    assert "绿水县文件" in client.get(reverse("wagtaildocs:index")).content.decode()
    assert client.get(reverse("wagtailadmin_pages:edit", args=[scene.pending.pk])).status_code == 200
    assert "绿水县待审通知" in client.get(reverse("wagtailadmin_reports:workflow")).content.decode()


# --- menu ------------------------------------------------------------------------------------------


def menu_names(user):
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    return {item.name for item in admin_menu.menu_items_for_request(request)}


def test_menu_offers_page_document_and_image_work_to_county_notice_roles_only(org):
    for role in COUNTY_ROLES:
        assert {"explorer", "documents", "images"} <= menu_names(getattr(org.users, role)), role
    # Even if the township staff group is given a collection permission, their menu stays without them.
    GroupCollectionPermission.objects.create(
        group=Group.objects.get(name=ROLE_GROUP_NAMES[Role.TOWNSHIP_STAFF]),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(codename="add_document"),
    )
    names = menu_names(org.users.township)
    assert not names & {"explorer", "documents", "images", "reports"}, names


@pytest.mark.parametrize("role", [*COUNTY_ROLES, "township"])
def test_admin_home_shows_nothing_of_the_other_county(org, client_for, scene, role):
    response = client_for(getattr(org.users, role)).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert_no_b(response)
