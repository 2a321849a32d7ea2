"""Scoped reads of notices and receipts. Who may read a notice:

- anyone: published (live, not expired) notices whose audience is the public;
- a village doctor: also the notices addressed to all doctors of their county, or to their township;
- township staff: also their county's notices addressed to all doctors or to their township;
- county admins, notice editors and moderators: every published notice of their county;
- a superuser: every published notice.

Drafts, notices awaiting moderation, scheduled and expired notices are visible to no one here (editors
see them in Wagtail's page editor, whose own permissions apply).

A notice *addressed to doctors* (every audience: public notices too must reach every village doctor)
expects a read receipt from each village-doctor login of the clinics it addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, ExtractYear
from django.utils.translation import gettext as _
from wagtail.models import GroupApprovalTask, Page, ReferenceIndex, Revision, TaskState, WorkflowState

from clinics.models import Township, UserScope
from clinics.roles import COUNTY_ROLES, Role
from clinics.selectors import get_scope, restrict, scope_q, townships_for
from cms.models import (
    Audience,
    Category,
    CountyCollection,
    NoticeAttachment,
    NoticeIndexPage,
    NoticePage,
    NoticeReceipt,
    live_q,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model
    from wagtail.models import Collection

    from clinics.selectors import AnyUser
    from cms.models import NoticeIndexPage


def _published() -> QuerySet[NoticePage]:
    return NoticePage.objects.filter(live_q())


def visible_notices(*, user: AnyUser) -> QuerySet[NoticePage]:
    notices = _published().order_by("-issued_on", "-first_published_at", "-pk")
    scope = get_scope(user)
    if scope.sees_everything:
        return notices
    public = Q(audience=Audience.PUBLIC)
    if scope.level in ("clinic", "township"):
        ours = Q(county_id=scope.county_id) & (
            Q(audience=Audience.DOCTORS) | Q(audience=Audience.TOWNSHIPS, townships=scope.township_id)
        )
        return notices.filter(public | ours).distinct()
    if scope.level == "county":
        return notices.filter(public | Q(county_id=scope.county_id))
    return notices.filter(public)


def public_notices() -> QuerySet[NoticePage]:
    return _published().filter(audience=Audience.PUBLIC).order_by("-issued_on", "-first_published_at", "-pk")


def notice_years(*, notices: QuerySet[NoticePage]) -> list[int]:
    return sorted(
        set(notices.order_by().annotate(y=ExtractYear("issued_on")).values_list("y", flat=True)), reverse=True
    )


def home_sections(*, user: AnyUser, per_category: int = 5) -> dict[str, Any]:
    """The latest notices of each category the visitor may read (one query per category). The querysets
    stay lazy: the template reads them inside its cached fragment, so a cached home page costs no query."""

    notices = visible_notices(user=user)
    signed_in = user is not None and user.is_authenticated
    sections = [
        {
            "category": value,
            "label": label,
            "notices": notices.filter(category=value)[:per_category],
            # Training notices go to doctors and staff, not the public: an empty list says so, not "none".
            "empty_text": _("培训通知只发给村医和卫生院工作人员，登录后可以看到。")
            if value == Category.TRAINING and not signed_in
            else _("暂无此类通知。"),
        }
        for value, label in Category.choices
    ]
    return {"sections": sections, "indexes": NoticeIndexPage.objects.live().order_by("title")}


# --- receipts -------------------------------------------------------------------------------------


def doctor_logins(*, notice: NoticePage) -> QuerySet[UserScope]:
    """The village-doctor role rows (UserScope) a notice expects a receipt from."""
    rows = UserScope.objects.filter(  # type: ignore[misc]  # county None: IS NULL, no row
        role=Role.VILLAGE_DOCTOR, clinic__township__county_id=notice.county_id, user__is_active=True
    )
    if notice.audience == Audience.TOWNSHIPS:
        rows = rows.filter(clinic__township__in=notice.townships.all())
    return rows


def unread_for_doctor(*, user: AnyUser) -> QuerySet:
    """Notices addressed to this doctor that they have not marked read."""
    scope = get_scope(user)
    if not scope.is_doctor:
        return NoticePage.objects.none()
    return visible_notices(user=user).filter(county_id=scope.county_id).exclude(receipts__user=user)


def doctor_notices(*, user: User) -> list[tuple[NoticePage, NoticeReceipt | None]]:
    """(notice, receipt or None) for every notice addressed to a doctor: unread first, newest first."""
    scope = get_scope(user)
    if not scope.is_doctor:
        return []
    notices = list(visible_notices(user=user).filter(county_id=scope.county_id)[:200])
    receipts = {r.notice_id: r for r in NoticeReceipt.objects.filter(user=user, notice__in=[n.pk for n in notices])}
    rows = [(n, receipts.get(n.pk)) for n in notices]
    rows.sort(key=lambda row: row[1] is not None)  # stable: keeps newest first within each group
    return rows


def receipt_for(*, user: User | AnonymousUser, notice: NoticePage) -> NoticeReceipt | Literal[False] | None:
    if not user.is_authenticated or not get_scope(user).is_doctor:
        return None
    return NoticeReceipt.objects.filter(user=user, notice=notice).first() or False


def read_percent(expected: int, read: int) -> int | None:
    """Receipts given as a whole percentage of those expected; None when nobody was expected to read."""
    return round(100 * read / expected) if expected else None


@dataclass
class TownshipRate:
    township: Township
    expected: int
    read: int

    @property
    def unread(self) -> int:
        return self.expected - self.read

    @property
    def percent(self) -> int | None:
        return read_percent(self.expected, self.read)


def staff_notices(*, user: AnyUser) -> QuerySet[NoticePage]:
    """Notices addressed to doctors in the staff user's township / county, for the receipts pages."""
    scope = get_scope(user)
    notices = _published().order_by("-issued_on", "-pk")
    if scope.sees_everything:
        return notices
    if scope.level == "township":
        return (
            notices.filter(county_id=scope.county_id)
            .filter(~Q(audience=Audience.TOWNSHIPS) | Q(townships=scope.township_id))
            .distinct()
        )
    if scope.level == "county":
        return notices.filter(county_id=scope.county_id)
    if scope.level in ("city", "province"):
        return restrict(notices, user, county="county")
    return notices.none()


def _receipts_by_township(*, notice_ids: list[int], township_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(notice id, township id) → receipts from doctor logins currently serving in that township."""
    rows = (
        NoticeReceipt.objects.filter(
            notice_id__in=notice_ids,
            user__is_active=True,
            user__scope__role=Role.VILLAGE_DOCTOR,
            user__scope__clinic__township_id__in=township_ids,
        )
        .values_list("notice_id", "user__scope__clinic__township_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(notice_id, township_id): n for notice_id, township_id, n in rows}


def _doctors_by_township(township_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        UserScope.objects.filter(role=Role.VILLAGE_DOCTOR, user__is_active=True, clinic__township_id__in=township_ids)
        .values_list("clinic__township_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _reached_townships(notices: list[NoticePage], townships: list[Township]) -> dict[int, list[int]]:
    """notice id → ids of the given townships the notice reaches (one query for the chosen ones)."""
    chosen: dict[int, set[int]] = {}
    through = NoticePage.townships.through.objects.filter(
        noticepage_id__in=[n.pk for n in notices if n.audience == Audience.TOWNSHIPS]
    )
    for notice_id, township_id in through.values_list("noticepage_id", "township_id"):
        chosen.setdefault(notice_id, set()).add(township_id)
    reached = {}
    for n in notices:
        in_county = [t.pk for t in townships if t.county_id == n.county_id]
        reached[n.pk] = (
            [t for t in in_county if t in chosen.get(n.pk, set())] if n.audience == Audience.TOWNSHIPS else in_county
        )
    return reached


def township_rates(*, user: AnyUser, notice: NoticePage) -> list[TownshipRate]:
    """Per township in the user's scope that the notice reaches: doctors expected and receipts."""
    townships = list(townships_for(user).filter(county_id=notice.county_id).order_by("code"))  # type: ignore[misc]  # county None: IS NULL, no row
    reached = set(_reached_townships([notice], townships)[notice.pk])
    townships = [t for t in townships if t.pk in reached]
    ids = [t.pk for t in townships]
    expected = _doctors_by_township(ids)
    read = _receipts_by_township(notice_ids=[notice.pk], township_ids=ids)
    return [TownshipRate(t, expected.get(t.pk, 0), read.get((notice.pk, t.pk), 0)) for t in townships]


def notice_rates(*, user: AnyUser, notices: list[NoticePage]) -> dict[int, tuple[int, int]]:
    """notice id → (doctors expected, receipts) within the user's scope, for a page of notices
    (four queries whatever the number of notices, townships or doctors)."""
    townships = list(townships_for(user))
    ids = [t.pk for t in townships]
    expected = _doctors_by_township(ids)
    read = _receipts_by_township(notice_ids=[n.pk for n in notices], township_ids=ids)
    reached = _reached_townships(notices, townships)
    return {
        n.pk: (sum(expected.get(t, 0) for t in reached[n.pk]), sum(read.get((n.pk, t), 0) for t in reached[n.pk]))
        for n in notices
    }


def read_by_county(*, user: AnyUser, county_ids: list[int], start: date, end: date) -> dict[int, tuple[int, int]]:
    """county id → (receipts expected, receipts given) over the notices issued from ``start`` to ``end`` that reach
    the county's doctors, in the user's scope (four queries whatever the number of counties)."""
    townships = list(townships_for(user).filter(county_id__in=county_ids))
    by_county = {t.pk: t.county_id for t in townships}
    figures = _read_by_townships(
        notices=list(staff_notices(user=user).filter(county_id__in=county_ids, issued_on__range=(start, end))),
        townships=townships,
    )
    result: dict[int, tuple[int, int]] = {}
    for township_id, (expected, read) in figures.items():
        e, r = result.get(by_county[township_id], (0, 0))
        result[by_county[township_id]] = (e + expected, r + read)
    return result


def read_by_township(*, user: AnyUser, township_ids: list[int], since: date) -> dict[int, tuple[int, int]]:
    """township id → (receipts expected, receipts given) over the notices published since a date that
    reach the township (four queries whatever the number of notices, townships or doctors)."""
    notices = list(staff_notices(user=user).filter(issued_on__gte=since))
    return _read_by_townships(notices=notices, townships=list(Township.objects.filter(pk__in=township_ids)))


def _read_by_townships(*, notices: list[NoticePage], townships: list[Township]) -> dict[int, tuple[int, int]]:
    township_ids = [t.pk for t in townships]
    expected = _doctors_by_township(township_ids)
    read = _receipts_by_township(notice_ids=[n.pk for n in notices], township_ids=township_ids)
    reached = _reached_townships(notices, townships)
    result = {t: [0, 0] for t in township_ids}
    for n in notices:
        for t in reached[n.pk]:
            result[t][0] += expected.get(t, 0)
            result[t][1] += read.get((n.pk, t), 0)
    return {t: (e, r) for t, (e, r) in result.items()}


def unread_doctors(*, user: AnyUser, notice: NoticePage, township_id: int | None = None) -> QuerySet[UserScope]:
    """Doctor logins in the user's scope the notice reaches who have not read it, by township and clinic."""
    rows = doctor_logins(notice=notice).filter(clinic__township__in=townships_for(user))
    if township_id:
        rows = rows.filter(clinic__township_id=township_id)
    return (
        rows.exclude(user_id__in=NoticeReceipt.objects.filter(notice=notice).values("user_id"))
        .select_related("user", "clinic__township")
        .order_by("clinic__township__code", "clinic__code")
    )


def unread_count_for_staff(*, user: AnyUser) -> tuple[int, int]:
    """(notices with unread doctors, unread receipts) across the user's scope — for the dashboard tile."""
    notices = list(staff_notices(user=user)[:50])
    rates = notice_rates(user=user, notices=notices)
    lagging = [(expected - read) for expected, read in rates.values() if expected > read]
    return len(lagging), sum(lagging)


# --- Wagtail admin scope -------------------------------------------------------------------------
# The county roles (editor, moderator, county admin) work in Wagtail's admin on their own county's
# notice index only; township staff and doctors have no page, document or image work there.


def admin_notice_index(*, user: AnyUser) -> NoticeIndexPage | None:
    """The notice index a county-role user works on in Wagtail's admin (None: no page work)."""

    scope = get_scope(user)
    if scope.sees_everything or scope.role not in COUNTY_ROLES or scope.county_id is None:
        return None
    return NoticeIndexPage.objects.filter(county_id=scope.county_id).first()


def admin_pages_for(*, user: AnyUser, with_ancestors: bool = False) -> QuerySet[Any]:
    """Pages whose admin views (explorer, edit, history, revisions, workflow…) and report rows the user
    may reach: everything for a superuser, the own county's notice tree for county roles (its ancestors,
    the home page and the tree root, too when ``with_ancestors``: Wagtail redirects those to the
    user's own root), nothing for anyone else."""

    scope = get_scope(user)
    if scope.sees_everything:
        return Page.objects.all()
    index = admin_notice_index(user=user)
    if index is None:
        return Page.objects.none()
    tree = Q(path__startswith=index.path)
    if with_ancestors:
        tree |= Q(pk__in=index.get_ancestors().values("pk"))
    return Page.objects.filter(tree)


def page_in_admin_scope(*, user: AnyUser, page_id: object) -> bool:
    return admin_pages_for(user=user, with_ancestors=True).filter(pk=page_id).exists()


def admin_users_for(*, user: AnyUser) -> QuerySet[Any]:
    """Logins whose names a user may see in Wagtail's admin lists and filters: everyone for a
    superuser, the people serving in the user's county for county roles (county, township and clinic
    roles alike), nobody for anyone else."""

    User = get_user_model()
    scope = get_scope(user)
    if scope.sees_everything:
        return User.objects.all()
    if admin_notice_index(user=user) is None:
        return User.objects.none()
    serving = UserScope.objects.filter(
        scope_q(user, county="county") | scope_q(user, township="township") | scope_q(user, clinic="clinic")  # type: ignore[operator]  # None only for superusers, returned above
    )
    return User.objects.filter(pk__in=serving.values("user_id"))


# --- files of notices (documents and images) -------------------------------------------------------


def _notices_referencing(obj: Model, *, attachments: bool) -> list[int]:
    """Ids of the notices whose stored content uses a document or image: an attachment row, or a
    document / image block or document link in the body (Wagtail's reference index). For a published
    notice the stored content is the published version; unpublished drafts live only in revisions."""

    ids = set()
    if attachments:
        ids.update(NoticeAttachment.objects.filter(document=obj).values_list("page_id", flat=True))
    # Only the body's references: attachment rows are read above, directly, because removing one
    # does not refresh the parent page's entries in the index.
    body_refs = ReferenceIndex.get_references_to(obj).filter(
        content_type=ContentType.objects.get_for_model(NoticePage), model_path__startswith="body."
    )
    for object_id in body_refs.values_list("object_id", flat=True):
        if object_id.isdigit():
            ids.add(int(object_id))
    return sorted(ids)


def _collection_county_ids(collection: Collection | None) -> set[int]:
    """The county owning a collection: the one whose county collection (``CountyCollection``) it is or lies
    in. The root collection is shared by everyone and gives no county. Two queries, whatever the number of
    counties (the county collections are what the groups' permissions are attached to)."""

    if collection is None or collection.is_root():
        return set()
    chain = collection.get_ancestors(inclusive=True).values("pk")
    return set(CountyCollection.objects.filter(collection__in=chain).values_list("county_id", flat=True))


def _file_county_ids(obj: Model, *, notice_ids: list[int]) -> set[int]:
    """The counties a notice document or image belongs to: those of the notices using it (drafts too)
    and of its collection."""
    counties = set(
        NoticePage.objects.filter(pk__in=notice_ids).exclude(county__isnull=True).values_list("county_id", flat=True)
    )
    return counties | _collection_county_ids(getattr(obj, "collection", None))


def _file_visible_to(*, user: AnyUser, obj: Model, attachments: bool) -> bool:
    """The single rule for a notice's files. Someone may download it when it is used by a notice they
    may read (``visible_notices``: published, live, unexpired, audience and county), when they are
    notice staff of its county (county admin, editor, moderator: they choose files in the editor),
    when they uploaded it, or when they are a superuser."""

    scope = get_scope(user)
    if scope.sees_everything:
        return True
    uploader_id = getattr(obj, "uploaded_by_user_id", None)
    if user is not None and user.is_authenticated and uploader_id == user.pk:
        return True
    notice_ids = _notices_referencing(obj, attachments=attachments)
    if notice_ids and visible_notices(user=user).filter(pk__in=notice_ids).exists():
        return True
    return scope.role in COUNTY_ROLES and scope.county_id in _file_county_ids(obj, notice_ids=notice_ids)


def document_visible_to(*, user: AnyUser, document: Model) -> bool:
    """May this user download this Wagtail document (notice attachments, body downloads, links)?"""
    return _file_visible_to(user=user, obj=document, attachments=True)


def image_visible_to(*, user: AnyUser, image: Model) -> bool:
    """May this user see this Wagtail image (the body images of notices)?"""
    return _file_visible_to(user=user, obj=image, attachments=False)


# --- the to-do inbox (core.inbox) ----------------------------------------------------------------


def _page_ids_as_text(pages: QuerySet[Any]) -> QuerySet[Any]:
    # Workflow states and revisions keep the page id as text (a generic relation).
    return pages.annotate(text_id=Cast("pk", output_field=CharField())).values("text_id")


def notices_to_approve(*, user: AnyUser) -> int:
    """Notices waiting in a workflow task the user may approve (their groups: the county's moderators, county
    admins among them), within the pages of their admin scope. One query, however many counties there are
    (Wagtail's ``TaskState.objects.reviewable_by`` queries once per task)."""
    if user is None or not user.is_authenticated:
        return 0
    states = TaskState.objects.filter(
        status=TaskState.STATUS_IN_PROGRESS,
        workflow_state__object_id__in=_page_ids_as_text(admin_pages_for(user=user)),
    )
    if not user.is_superuser:
        states = states.filter(task__in=GroupApprovalTask.objects.filter(groups__user=user).values("pk"))
    return states.count()


@dataclass(frozen=True)
class EditorInbox:
    drafts: int  # the editor's notices never submitted or published (not scheduled, not in a workflow)
    returned: int  # the editor's notices a moderator sent back for changes


def editor_inbox(*, user: AnyUser) -> EditorInbox:
    """A notice editor's own work in their county's tree (pages they own or submitted). Two queries."""
    scope = get_scope(user)
    if user is None or scope.role != Role.NOTICE_EDITOR:
        return EditorInbox(0, 0)
    tree = admin_pages_for(user=user)
    page_type = ContentType.objects.get_for_model(Page)
    active_states = WorkflowState.objects.filter(
        base_content_type=page_type,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
    )
    scheduled = Revision.page_revisions.filter(
        object_id=Cast(OuterRef("pk"), output_field=CharField()), approved_go_live_at__isnull=False
    )
    drafts = (
        NoticePage.objects.filter(pk__in=tree.values("pk"), live=False, owner=user)
        .exclude(Exists(active_states))
        .exclude(Exists(scheduled))
        .count()
    )
    mine = Q(requested_by=user) | Q(object_id__in=_page_ids_as_text(tree.filter(owner=user)))
    returned = (
        WorkflowState.objects.filter(
            base_content_type=page_type,
            status=WorkflowState.STATUS_NEEDS_CHANGES,
            object_id__in=_page_ids_as_text(tree),
        )
        .filter(mine)
        .count()
    )
    return EditorInbox(drafts, returned)
