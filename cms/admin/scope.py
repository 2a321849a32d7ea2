"""Wagtail's shared admin areas, kept to the user's county.

Each county's notice groups hold page permissions on their own notice index only and document /
image permissions on their own collection only (``cms.services.ensure_county_notices``), so Wagtail's
own permission policies already narrow the explorer, page editing, documents, images, their choosers
and usage pages. What those policies leave open is closed here:

- user filters (owner, edited by, requested by, locked by, site-history user) that Wagtail fills with
  every user in the database: ``ScopedUserChoices`` filtersets on the page listings
  (``county_page_viewsets``) and the reports;
- reports that count or list other counties' rows: scoped subclasses of site history, page types
  usage and the two workflow reports (aging pages and locked pages are already limited by Wagtail's
  publish / unlock permissions; locked pages only needs its filter narrowed);
- page views Wagtail does not check at all (the workflow cancellation / action / preview modals) or
  that answer with a title in a message: every admin URL naming a page id is guarded by
  ``county_pages_only`` — another county's page is 404; a user with no page work at all gets 403;
- bulk actions, which list the titles of every item they are given: ``county_items_only``;
- the page chooser (``construct_page_chooser_queryset``) and the menu (``construct_main_menu``):
  see ``cms.wagtail_hooks``.

Per report: site history — county roles see their county tree's page history and the other records'
history written by people of their county; township staff are refused (they have no pages; each of
their records keeps its own history page). Page types usage — counts of the county tree. Workflow and
workflow tasks — the county's workflow states only, with the county's workflow, tasks and requesters as
filter choices. Locked pages and aging pages — Wagtail's unlock / publish permissions already limit the
rows; locked pages' "locked by" choices are narrowed. All of them are refused to township staff.

Wagtail resolves its own admin URLs before those of ``register_admin_urls`` hooks, so the replaced views
are mounted by ``config/urls.py`` (``admin_overrides``) in front of ``wagtail.admin.urls``, at the same
paths and without URL names (``reverse()`` keeps returning Wagtail's names, which are the same paths).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, IntegerField, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.urls import URLPattern, include, path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.pages.listing import GenericPageFilterSet, PageFilterSet
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.admin.views.reports.locked_pages import LockedPagesReportFilterSet, LockedPagesView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView, _annotate_last_edit_info
from wagtail.admin.views.reports.workflows import (
    WorkflowReportFilterSet,
    WorkflowTasksReportFilterSet,
    WorkflowTasksView,
    WorkflowView,
)
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import Page, PageLogEntry, Task, Workflow, WorkflowState

from cms.models import HomePage, NoticeIndexPage, NoticePage
from cms.selectors import admin_notice_index, admin_pages_for, admin_users_for, page_in_admin_scope


def _page_ids_as_text(user):
    # Workflow states name their object by a text id.
    return admin_pages_for(user=user).values_list(Cast("id", output_field=CharField()), flat=True)


def _page_states(user):
    return WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page), object_id__in=_page_ids_as_text(user)
    )


# --- filters -------------------------------------------------------------------------------------


class ScopedUserChoices:
    """A filterset mixin: ``narrow(user)`` replaces Wagtail's everyone-in-the-database choices with
    the user's county's (a superuser keeps Wagtail's)."""

    request: Any  # set by django-filter's FilterSet (an HttpRequest, or None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None and not user.is_superuser:
            self.narrow(user)

    def narrow(self, user):
        raise NotImplementedError


class CountyPageFilterSet(ScopedUserChoices, PageFilterSet):
    def narrow(self, user):
        pages = admin_pages_for(user=user)
        people = admin_users_for(user=user)
        self.filters["owner"].queryset = people.filter(pk__in=pages.values("owner_id"))
        edits = PageLogEntry.objects.filter(action="wagtail.edit", page_id__in=pages.values("pk"))
        self.filters["edited_by"].queryset = people.filter(pk__in=edits.values("user_id"))


class CountyGenericPageFilterSet(CountyPageFilterSet):
    content_type = GenericPageFilterSet.base_filters["content_type"]  # what Wagtail's generic one adds


class CountyPageViewSet(PageViewSet):
    filterset_class = CountyPageFilterSet


class CountyGenericPageViewSet(PageViewSet):
    filterset_class = CountyGenericPageFilterSet


def county_page_viewsets():
    """Page listing viewsets (explorer and per-type listings) whose user filters stay in the county.
    The one for ``Page`` replaces Wagtail's base listing (registered later, it wins the registry)."""

    return [CountyGenericPageViewSet("county_pages", model=Page)] + [
        CountyPageViewSet(f"county_pages_{model._meta.model_name}", model=model)
        for model in (HomePage, NoticeIndexPage, NoticePage)
    ]


# --- reports -------------------------------------------------------------------------------------


def _needs_page_work(request):
    """Township staff and doctors have no notice pages: the site-wide reports are not theirs."""
    if not request.user.is_superuser and admin_notice_index(user=request.user) is None:
        raise PermissionDenied


def scoped_log_entries(log_model, user):
    """Site history rows a user may see: the history of pages in their county tree, and the other
    records' history written by people serving in their county (on top of Wagtail's own rule: only
    models the user holds a permission on)."""
    entries = log_model.objects.viewable_by_user(user)
    if user.is_superuser:
        return entries
    if issubclass(log_model, PageLogEntry):
        return entries.filter(page_id__in=admin_pages_for(user=user).values("pk"))
    return entries.filter(user_id__in=admin_users_for(user=user).values("pk"))


class ScopedSiteHistoryFilterSet(ScopedUserChoices, SiteHistoryReportFilterSet):
    def narrow(self, user):
        content_type_ids = set()
        for log_model in log_action_registry.get_log_entry_models():
            content_type_ids.update(scoped_log_entries(log_model, user).get_content_type_ids())
        self.filters["object_type"].queryset = ContentType.objects.filter(pk__in=content_type_ids).order_by("model")

    def get_users_queryset(self):
        user = self.request.user
        if user.is_superuser:
            return super().get_users_queryset()
        user_ids = set()
        for log_model in log_action_registry.get_log_entry_models():
            user_ids.update(scoped_log_entries(log_model, user).get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=user_ids).order_by(User.USERNAME_FIELD)

    def get_action_choices(self):
        user = self.request.user
        if user.is_superuser:
            return super().get_action_choices()
        actions = set()
        for log_model in log_action_registry.get_log_entry_models():
            actions.update(scoped_log_entries(log_model, user).get_actions())
        return [choice for choice in log_action_registry.get_choices() if choice[0] in actions]


class ScopedLogEntriesView(LogEntriesView):
    filterset_class = ScopedSiteHistoryFilterSet

    def dispatch(self, request, *args, **kwargs):
        _needs_page_work(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filtered_queryset(self):
        # Wagtail's union of every log model, each narrowed by scoped_log_entries first.
        queryset: QuerySet[Any] | None = None
        self.log_models = list(log_action_registry.get_log_entry_models())
        for index, log_model in enumerate(self.log_models):
            sub = (
                scoped_log_entries(log_model, self.request.user)
                .values("pk", "timestamp")
                .annotate(log_model_index=Value(index, output_field=IntegerField()))
            )
            sub = self.filter_queryset(sub).order_by()
            queryset = sub if queryset is None else queryset.union(sub, all=True)
        assert queryset is not None  # Wagtail registers its log entry models
        return queryset.order_by("-timestamp")


class ScopedPageTypesUsageView(PageTypesUsageReportView):
    """Counts and "last edited" pages of the user's county tree only."""

    def get_queryset(self):
        user = self.request.user
        if user.is_superuser:
            return super().get_queryset()
        index = admin_notice_index(user=user)
        queryset = ContentType.objects.filter(model__in=self.page_models).exclude(
            pk=ContentType.objects.get_for_model(Page).pk
        )
        self.queryset = queryset
        queryset = self.filter_queryset(queryset)
        language_code = self.filters.form.cleaned_data.get("page_locale", None)
        # Wagtail's own site-root filter does the narrowing: a path no page has when there is no tree.
        tree_path = index.path if index is not None else "-"
        queryset = _annotate_last_edit_info(queryset, language_code, tree_path)
        return queryset.order_by("-count", "app_label", "model")


class ScopedWorkflowFilterSet(ScopedUserChoices, WorkflowReportFilterSet):
    def narrow(self, user):
        workflows = Workflow.objects.filter(workflow_pages__page__in=admin_pages_for(user=user)).distinct()
        self.filters["workflow"].queryset = workflows
        self.filters["requested_by"].queryset = admin_users_for(user=user).filter(
            pk__in=_page_states(user).values("requested_by_id")
        )


class ScopedWorkflowTasksFilterSet(ScopedUserChoices, WorkflowTasksReportFilterSet):
    def narrow(self, user):
        workflows = Workflow.objects.filter(workflow_pages__page__in=admin_pages_for(user=user)).distinct()
        self.filters["workflow"].queryset = workflows
        self.filters["task"].queryset = Task.objects.filter(workflow_tasks__workflow__in=workflows).distinct()


class ScopedWorkflowView(WorkflowView):
    filterset_class = ScopedWorkflowFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=_page_states(self.request.user).values("pk"))


class ScopedWorkflowTasksView(WorkflowTasksView):
    filterset_class = ScopedWorkflowTasksFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.is_superuser:
            return queryset
        return queryset.filter(workflow_state__in=_page_states(self.request.user))


class ScopedLockedPagesFilterSet(ScopedUserChoices, LockedPagesReportFilterSet):
    def narrow(self, user):
        lockers = admin_pages_for(user=user).filter(locked=True).values("locked_by_id")
        self.filters["locked_by"].queryset = admin_users_for(user=user).filter(pk__in=lockers)


class ScopedLockedPagesView(LockedPagesView):
    filterset_class = ScopedLockedPagesFilterSet


# --- page views ----------------------------------------------------------------------------------

PAGE_ID_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id")


def county_pages_only(view):
    """Another county's page (any page id in the URL) is 404; for a staff member with no page work
    at all (township staff) every page is 403. Users who cannot enter the admin, and superusers,
    pass to Wagtail unchanged."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_superuser and user.has_perm("wagtailadmin.access_admin"):
            page_ids = [kwargs[name] for name in PAGE_ID_KWARGS if name in kwargs] + list(args[:1])
            if page_ids and admin_notice_index(user=user) is None:
                raise PermissionDenied
            if any(not page_in_admin_scope(user=user, page_id=page_id) for page_id in page_ids):
                raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _bulk_items_in_scope(user, app_label, model_name, ids, parent_id) -> bool:
    if (app_label, model_name) == ("wagtailcore", "page"):
        if "all" in ids:  # every child of the listing's parent page, or with no parent every page
            return parent_id is not None and page_in_admin_scope(user=user, page_id=parent_id)
        allowed = admin_pages_for(user=user, with_ancestors=True)
    elif (app_label, model_name) in (("wagtaildocs", "document"), ("wagtailimages", "image")):
        from wagtail.documents.permissions import permission_policy as documents
        from wagtail.images.permissions import permission_policy as images

        policy = documents if app_label == "wagtaildocs" else images
        allowed = policy.instances_user_has_any_permission_for(user, ["change", "choose"])
    else:
        return True
    ids = [i for i in ids if i != "all"]
    try:
        return allowed.filter(pk__in=ids).count() == len(set(ids))
    except (TypeError, ValueError):
        return False


def county_items_only(view):
    """Bulk actions (delete, move, publish, unpublish, add to collection…) list the titles of the
    items they are given, including those the user may not touch: any item outside the user's
    county (page tree, or documents / images they may use) makes the request 404."""

    @wraps(view)
    def wrapper(request, app_label, model_name, action, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_superuser and user.has_perm("wagtailadmin.access_admin"):
            ids = request.GET.getlist("id")
            if not _bulk_items_in_scope(user, app_label, model_name, ids, request.GET.get("childOf")):
                raise Http404
        return view(request, app_label, model_name, action, *args, **kwargs)

    return wrapper


def _admin_view(view):
    from wagtail.admin.urls import display_custom_404

    return never_cache(display_custom_404(require_admin_access(view)))


def _guarded(patterns, names=None, guard=county_pages_only):
    """Unnamed copies of Wagtail's URL patterns that carry a page id (or those named), their views
    behind ``guard``."""
    guarded = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        carries_page = any(f"{name}>" in route for name in PAGE_ID_KWARGS) or route.startswith(r"^(\d+)/")
        if (names is None and carries_page) or (names is not None and pattern.name in names):
            guarded.append(URLPattern(pattern.pattern, _admin_view(guard(pattern.callback)), pattern.default_args))
    return guarded


def admin_overrides():
    """URL patterns for ``config/urls.py`` to mount at ``admin/`` in front of Wagtail's admin."""
    from wagtail.admin import urls as wagtail_admin_urls
    from wagtail.admin.urls import pages as wagtail_page_urls

    reports: list[tuple[str, Any]] = [
        ("site-history/", ScopedLogEntriesView),
        ("page-types-usage/", ScopedPageTypesUsageView),
        ("workflow/", ScopedWorkflowView),
        ("workflow_tasks/", ScopedWorkflowTasksView),
        ("locked/", ScopedLockedPagesView),
    ]
    report_urls = []
    for route, view in reports:
        report_urls += [
            path(route, _admin_view(view.as_view())),
            path(f"{route}results/", _admin_view(view.as_view(results_only=True))),
        ]
    top = _guarded(
        wagtail_admin_urls.urlpatterns,
        names={"wagtailadmin_explore", "wagtailadmin_explore_results", "wagtailadmin_choose_page_child"},
    )
    bulk = _guarded(wagtail_admin_urls.urlpatterns, names={"wagtail_bulk_action"}, guard=county_items_only)
    return [
        path("reports/", include(report_urls)),
        path("pages/", include(_guarded(wagtail_page_urls.urlpatterns))),
        *top,
        *bulk,
    ]


# --- Wagtail areas no county role needs ------------------------------------------------------------
# A few of Wagtail's admin endpoints list every document, image, workflow or task whatever the user's
# collections: the admin API's document and image endpoints (no admin screen of ours uses them; the
# explorer uses the pages endpoint, which Wagtail already narrows) and the workflow task chooser (workflows
# are set up by superusers only), and Wagtail's error-reporting test view (/admin/failwhale/, which raises on
# purpose). They answer 404 to everyone but superusers. The image chooser's format
# step is kept, but only for images the user may choose (their county's collection).
SUPERUSER_ONLY_ADMIN_PREFIXES = (
    "/admin/api/main/documents/",
    "/admin/api/main/images/",
    "/admin/workflows/task_chooser/",
    "/admin/failwhale/",
)


class WagtailAreasScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = getattr(request, "user", None)
        if path.startswith("/admin/") and user is not None and user.is_authenticated and not user.is_superuser:
            if path.startswith(SUPERUSER_ONLY_ADMIN_PREFIXES):
                raise Http404
            if path.startswith("/admin/images/chooser/") and path.endswith("/select_format/"):
                self._require_choosable_image(request, path)
        return self.get_response(request)

    @staticmethod
    def _require_choosable_image(request, path):
        from django.urls import Resolver404, resolve
        from wagtail.images.permissions import permission_policy

        try:
            image_id = resolve(path).kwargs.get("image_id")
        except Resolver404:
            return
        choosable = permission_policy.instances_user_has_any_permission_for(request.user, ["choose"])
        if image_id is None or not choosable.filter(pk=image_id).exists():
            raise Http404


# Menu items of Wagtail's page, document and image work: only county notice roles (and superusers)
# use them; township staff and doctors never do, whatever permissions a group may gain later.
NOTICE_WORK_MENU_ITEMS = {"explorer", "documents", "images", "reports"}
