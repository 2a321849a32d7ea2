"""Staff admin pages for read receipts (已读回执): who has read which notice, per township."""

from django.http import Http404
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.action_menu import WorkflowMenuItem

from cms.admin import urls
from cms.admin.receipts import PERMISSION
from cms.admin.scope import NOTICE_WORK_MENU_ITEMS, county_page_viewsets
from cms.selectors import (
    admin_notice_index,
    admin_pages_for,
    document_visible_to,
)
from core.admin.menus import PermissionMenuItem


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("notices/", include(urls.receipts)),
    ]


@hooks.register("register_admin_menu_item")
def receipts_menu_item():
    return PermissionMenuItem(
        gettext_lazy("通知阅读情况"),
        reverse("receipts:list"),
        icon_name="doc-full",
        order=350,
        permission=PERMISSION,
    )


@hooks.register("register_admin_viewset")
def register_county_page_listings():

    return county_page_viewsets()


@hooks.register("construct_page_chooser_queryset")
def county_pages_in_chooser(pages, request):
    # The page chooser (rich-text links, page fields) offers the user's own county tree only.
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=admin_pages_for(user=request.user, with_ancestors=True).values("pk"))


@hooks.register("construct_main_menu")
def hide_notice_work_from_other_roles(request, menu_items):
    if request.user.is_superuser or admin_notice_index(user=request.user) is not None:
        return
    menu_items[:] = [item for item in menu_items if item.name not in NOTICE_WORK_MENU_ITEMS]


@hooks.register("construct_page_action_menu")
def review_actions_first(menu_items, request, context):
    """A moderator reviewing a submitted notice: 批准并发布 is the main button, then 附意见批准 and 退回修改,
    before 保存草稿 (Wagtail orders the workflow actions after it, so approval hid in the dropdown)."""
    review = [item for item in menu_items if isinstance(item, WorkflowMenuItem)]
    review.sort(key=lambda item: (item.name != "approve", item.name != "reject"))  # stable: Wagtail's own order
    menu_items[:] = review + [item for item in menu_items if not isinstance(item, WorkflowMenuItem)]


@hooks.register("before_serve_document", order=-100)
def deny_unscoped_document(document, request):

    if not document_visible_to(user=request.user, document=document):
        raise Http404
