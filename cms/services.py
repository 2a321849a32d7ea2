"""Changes in the notices app: the per-county page tree with its permissions and workflow, read
receipts, and 公示 announcements published for other apps (see docs/INTERFACES.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from clinics.models import County, UserScope
from clinics.roles import Role
from clinics.selectors import get_scope

from .models import Audience, Category, HomePage, NoticeIndexPage, NoticePage, NoticeReceipt

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = ["add_document", "change_document", "choose_document",
                          "add_image", "change_image", "choose_image"]
SITE_NAME = "卫生健康政策公告"


def editor_group_name(county: County) -> str:
    return f"宣传编辑·{county.name}（{county.code}）"


def moderator_group_name(county: County) -> str:
    return f"通知审核·{county.name}（{county.code}）"


@transaction.atomic
def ensure_site() -> HomePage:
    """The home page as the default site's root (recreated if a test flush or a mistake removed it)."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:
            root = Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title=SITE_NAME, slug="home"))
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": home, "port": 80, "site_name": SITE_NAME})
    return home


def _permissions(codenames, app_label) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


@transaction.atomic
def ensure_county_notices(*, county: County) -> NoticeIndexPage:
    """The county's notice index, its editor and moderator groups with their page and collection
    permissions, and its approval workflow (editor drafts → moderator approves → published)."""
    index = NoticeIndexPage.objects.filter(county=county).first()
    if index is None:
        home = ensure_site()
        index = home.add_child(instance=NoticeIndexPage(
            title=f"{county.name}通知公告", slug=f"notices-{county.code.lower()}", county=county))
    editors, _c = Group.objects.get_or_create(name=editor_group_name(county))
    moderators, _c = Group.objects.get_or_create(name=moderator_group_name(county))
    for group, codenames in ((editors, EDITOR_PAGE_PERMISSIONS), (moderators, MODERATOR_PAGE_PERMISSIONS)):
        for permission in _permissions(codenames, "wagtailcore"):
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=permission)
        root_collection = Collection.get_first_root_node()
        for permission in (_permissions(COLLECTION_PERMISSIONS, "wagtaildocs")
                           + _permissions(COLLECTION_PERMISSIONS, "wagtailimages")):
            GroupCollectionPermission.objects.get_or_create(group=group, collection=root_collection,
                                                            permission=permission)
    if not WorkflowPage.objects.filter(page=index).exists():
        workflow = Workflow.objects.create(name=f"{county.name}通知审核")
        task = GroupApprovalTask.objects.create(name=f"{county.name}宣传审核")
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=index)
    return index


def ensure_all_counties() -> None:
    for county in County.objects.order_by("pk"):
        ensure_county_notices(county=county)


@transaction.atomic
def sync_notice_groups(*, user) -> None:
    """Put a user in their county's editor or moderator group (county admins moderate too), and in
    no other county's."""
    groups = Group.objects.filter(name__startswith="宣传编辑·") | Group.objects.filter(name__startswith="通知审核·")
    user.groups.remove(*groups)
    row = UserScope.objects.filter(user=user).select_related("county").first()
    if row is None or row.county is None:
        return
    if row.role == Role.NOTICE_EDITOR:
        name = editor_group_name(row.county)
    elif row.role in (Role.NOTICE_MODERATOR, Role.COUNTY_ADMIN):
        name = moderator_group_name(row.county)
    else:
        return
    ensure_county_notices(county=row.county)
    user.groups.add(Group.objects.get(name=name))


@transaction.atomic
def mark_read(*, user, notice: NoticePage) -> NoticeReceipt:
    """已读回执: idempotent; only a doctor the notice is addressed to can acknowledge it."""
    from .selectors import visible_notices

    scope = get_scope(user)
    if not scope.is_doctor:
        raise PermissionDenied
    if not visible_notices(user=user).filter(pk=notice.pk, county_id=scope.county_id).exists():
        raise ValidationError(_("这条通知不是发给您的，或已撤下。"))
    receipt, _created = NoticeReceipt.objects.get_or_create(
        notice=notice, user=user, defaults={"clinic_id": scope.clinic_id, "read_at": timezone.now()})
    return receipt


@transaction.atomic
def publish_announcement(*, county, title: str, intro: str, table_headers: list[str],
                         table_rows: list[list[str]], user) -> NoticePage:
    """Publish a 公示 notice with a table to the county's public notices (no moderation: the data it
    shows was already approved by the county)."""
    index = ensure_county_notices(county=county)
    body = [
        {"type": "paragraph", "value": f"<p>{escape(str(intro))}</p>"},
        {"type": "table", "value": {"data": [[str(h) for h in table_headers]]
                                    + [[str(cell) for cell in row] for row in table_rows],
                                    "first_row_is_table_header": True, "first_col_is_header": False,
                                    "table_caption": ""}},
    ]
    page = NoticePage(title=str(title)[:255], category=Category.ANNOUNCEMENT, audience=Audience.PUBLIC,
                      issuing_body=county.health_bureau_name or county.name, issued_on=timezone.localdate(),
                      summary=str(intro)[:300], body=body, owner=user)
    index.add_child(instance=page)
    page.save_revision(user=user, log_action=True).publish(user=user)
    return NoticePage.objects.get(pk=page.pk)
