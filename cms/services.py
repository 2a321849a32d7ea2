"""Changes in the notices app: the per-county page tree with its permissions and workflow, read
receipts, and 公示 announcements published for other apps (see docs/INTERFACES.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    ReferenceIndex,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from clinics.models import County, UserScope
from clinics.roles import Role
from clinics.selectors import get_scope
from cms.models import (
    Audience,
    Category,
    CountyCollection,
    HomePage,
    NoticeAttachment,
    NoticeIndexPage,
    NoticePage,
    NoticeReceipt,
)
from cms.selectors import unread_doctors, visible_notices
from core.forms import joined_messages
from doctors.models import OutboxMessage
from doctors.services import send_reminder

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    "add_document",
    "change_document",
    "choose_document",
    "add_image",
    "change_image",
    "choose_image",
]
SITE_NAME = "卫生健康政策公告"


def editor_group_name(county: County) -> str:
    return f"宣传编辑·{county.name}（{county.code}）"


def moderator_group_name(county: County) -> str:
    return f"通知审核·{county.name}（{county.code}）"


def collection_name(county: County) -> str:
    return f"{county.name}（{county.code}）"


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
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "port": 80, "site_name": SITE_NAME}
    )
    return home


def _permissions(codenames: Iterable[str], app_label: str) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


@transaction.atomic
def ensure_county_collection(*, county: County) -> Collection:
    """The county's own collection (folder) of documents and images, under the root collection."""
    link = CountyCollection.objects.filter(county=county).select_related("collection").first()
    if link is not None:
        if link.collection.name != collection_name(county):
            link.collection.name = collection_name(county)
            link.collection.save(update_fields=["name"])
        return link.collection
    ensure_site()
    collection = Collection.get_first_root_node().add_child(name=collection_name(county))
    CountyCollection.objects.create(county=county, collection=collection)
    return collection


@transaction.atomic
def ensure_county_notices(*, county: County) -> NoticeIndexPage:
    """The county's notice index, its editor and moderator groups with their page permissions (on
    that index only) and document / image permissions (on the county's collection only), and its
    approval workflow (editor drafts → moderator approves → published). County admins sit in the
    moderator group (``sync_notice_groups``), so these permissions are theirs too. Idempotent: it
    also takes back anything these groups were given elsewhere (once: the root collection)."""
    index = NoticeIndexPage.objects.filter(county=county).first()
    if index is None:
        home = ensure_site()
        index = home.add_child(
            instance=NoticeIndexPage(
                title=f"{county.name}通知公告", slug=f"notices-{county.code.lower()}", county=county
            )
        )
    collection = ensure_county_collection(county=county)
    editors, _c = Group.objects.get_or_create(name=editor_group_name(county))
    moderators, _c = Group.objects.get_or_create(name=moderator_group_name(county))
    media = _permissions(COLLECTION_PERMISSIONS, "wagtaildocs") + _permissions(COLLECTION_PERMISSIONS, "wagtailimages")
    for group, codenames in ((editors, EDITOR_PAGE_PERMISSIONS), (moderators, MODERATOR_PAGE_PERMISSIONS)):
        GroupPagePermission.objects.filter(group=group).exclude(page=index).delete()
        for permission in _permissions(codenames, "wagtailcore"):
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=permission)
        GroupCollectionPermission.objects.filter(group=group).exclude(collection=collection).delete()
        for permission in media:
            GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)
    if not WorkflowPage.objects.filter(page=index).exists():
        workflow = Workflow.objects.create(name=f"{county.name}通知审核")
        task = GroupApprovalTask.objects.create(name=f"{county.name}宣传审核")
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=index)
    return index


def _counties_using(model: type[Model], ids: Iterable[object]) -> dict[int, set[int]]:
    """Document / image id → the counties whose notice pages use it: attachments, and every
    reference Wagtail's reference index knows of (body blocks, rich text)."""

    index_paths = dict(NoticeIndexPage.objects.values_list("path", "county_id"))
    ids = [str(pk) for pk in ids]
    rows = ReferenceIndex.objects.filter(
        to_content_type=ContentType.objects.get_for_model(model),
        to_object_id__in=ids,
        base_content_type=ContentType.objects.get_for_model(Page),
    ).values_list("to_object_id", "object_id")
    page_ids_by_item: dict[int, set[int]] = {}
    for item_id, page_id in rows:
        page_ids_by_item.setdefault(int(item_id), set()).add(int(page_id))
    paths = dict(
        Page.objects.filter(pk__in={p for pages in page_ids_by_item.values() for p in pages}).values_list("pk", "path")
    )
    used: dict[int, set[int]] = {}
    for item_id, page_ids in page_ids_by_item.items():
        for page_id in page_ids:
            path = paths.get(page_id, "")
            county_id = next((c for p, c in index_paths.items() if path.startswith(p)), None)
            if county_id is not None:
                used.setdefault(item_id, set()).add(county_id)
    if model._meta.label == "wagtaildocs.Document":
        for document_id, county_id in NoticeAttachment.objects.filter(document_id__in=ids).values_list(
            "document_id", "page__county_id"
        ):
            if county_id is not None:
                used.setdefault(document_id, set()).add(county_id)
    return used


@transaction.atomic
def file_media_into_counties() -> int:
    """Move documents and images still in the root collection into their county's collection: the
    county whose notices use them, or (unused) the county of the staff member who uploaded them.
    Files used by several counties' notices stay where they are (only superusers manage them).
    Returns how many were moved. Idempotent; run after every migrate via ``ensure_all_counties``."""

    root = Collection.get_first_root_node()
    if root is None:
        return 0
    collections = dict(CountyCollection.objects.values_list("county_id", "collection_id"))
    moved = 0
    for model in (get_document_model(), get_image_model()):
        items = list(model.objects.filter(collection=root).values_list("pk", "uploaded_by_user_id"))
        if not items:
            continue
        used = _counties_using(model, [pk for pk, _u in items])
        uploaders = {
            user.pk: get_scope(user).county_id
            for user in get_user_model().objects.filter(pk__in={u for _pk, u in items if u})
        }
        for pk, user_id in items:
            counties = used.get(pk) or ({county_id} if (county_id := uploaders.get(user_id)) else set())
            if len(counties) == 1 and (collection_id := collections.get(next(iter(counties)))):
                moved += model.objects.filter(pk=pk).update(collection_id=collection_id)
    return moved


def ensure_all_counties() -> None:
    for county in County.objects.order_by("pk"):
        ensure_county_notices(county=county)
    file_media_into_counties()


@transaction.atomic
def sync_notice_groups(*, user: User) -> None:
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
def mark_read(*, user: User | None, notice: NoticePage) -> NoticeReceipt:
    """已读回执: idempotent; only a doctor the notice is addressed to can acknowledge it."""

    scope = get_scope(user)
    if not scope.is_doctor:
        raise PermissionDenied
    if not visible_notices(user=user).filter(pk=notice.pk, county_id=scope.county_id).exists():
        raise ValidationError(_("这条通知不是发给您的，或已撤下。"))
    receipt, _created = NoticeReceipt.objects.get_or_create(
        notice=notice, user=user, defaults={"clinic_id": scope.clinic_id, "read_at": timezone.now()}
    )
    return receipt


@transaction.atomic
def publish_announcement(
    *, county: County, title: str, intro: str, table_headers: list[str], table_rows: list[list[str]], user: User | None
) -> NoticePage:
    """Publish a 公示 notice with a table to the county's public notices (no moderation: the data it
    shows was already approved by the county)."""
    index = ensure_county_notices(county=county)
    body = [
        {"type": "paragraph", "value": f"<p>{escape(str(intro))}</p>"},
        {
            "type": "table",
            "value": {
                "data": [[str(h) for h in table_headers]] + [[str(cell) for cell in row] for row in table_rows],
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_caption": "",
            },
        },
    ]
    page = NoticePage(
        title=str(title)[:255],
        category=Category.ANNOUNCEMENT,
        audience=Audience.PUBLIC,
        issuing_body=county.health_bureau_name or county.name,
        issued_on=timezone.localdate(),
        summary=str(intro)[:300],
        body=body,
        owner=user,
    )
    index.add_child(instance=page)
    page.save_revision(user=user, log_action=True).publish(user=user)
    return NoticePage.objects.get(pk=page.pk)


# --------------------------------------------------------------------------- reminders to doctors who have not read


def notice_reminder_topic(notice: NoticePage, user_id: int) -> str:
    """One reminder per doctor login and notice within the repeat window (doctors.services.send_reminder)."""
    return f"notice:{notice.pk}:{user_id}"


@transaction.atomic
def remind_unread(*, user: User, notice: NoticePage, doctors: list[UserScope]) -> tuple[list[OutboxMessage], list[str]]:
    """提醒 doctors who have not read a notice: (the outbox rows sent, the refusals in Chinese). Each doctor gets an
    in-portal message, an e-mail and a text message where they have an address (``doctors.services.send_reminder``);
    a doctor reminded of this notice within ``REMINDER_REPEAT_HOURS``, or who has read it meanwhile, is refused."""
    still_unread = {row.user_id for row in unread_doctors(user=user, notice=notice)}
    sent: list[OutboxMessage] = []
    refused: list[str] = []
    link = reverse("portal_notices:detail", args=[notice.pk])
    for row in doctors:
        name = row.user.get_full_name() or row.user.get_username()
        if row.user_id not in still_unread:
            refused.append(_("%(name)s 已阅读这条通知，不用再提醒。") % {"name": name})
            continue
        assert row.clinic is not None  # a doctor's scope has a clinic
        try:
            with transaction.atomic():
                sent += send_reminder(
                    user=user,
                    clinic=row.clinic,
                    topic=notice_reminder_topic(notice, row.user_id),
                    subject=_("请阅读通知：%(title)s") % {"title": notice.title[:80]},
                    text=_("%(body)s发布了通知《%(title)s》，您还没有确认阅读。请登录村医工作台阅读并点“我已阅读”。")
                    % {"body": notice.issuing_body or _("县卫健局"), "title": notice.title},
                    link=link,
                    user_ids=[row.user_id],
                )
        except ValidationError as exc:
            refused.append(f"{name}：{joined_messages(exc)}")
    return sent, refused
