"""Staff admin pages for read receipts (已读回执): who has read which notice, per township."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail import hooks

from clinics import selectors as org
from clinics.admin_scope import PermissionMenuItem, PermissionTemplateView, int_or
from clinics.filters import ScopeFilterForm
from cms.models import Category
from cms.resources import UnreadDoctorResource
from cms.selectors import (
    admin_notice_index,
    admin_pages_for,
    notice_rates,
    read_percent,
    staff_notices,
    township_rates,
    unread_doctors,
)

PERMISSION = "cms.view_noticereceipt"


class ReceiptListView(PermissionTemplateView):
    permission = PERMISSION
    template_name = "cms/admin/receipts.html"
    page_title = gettext_lazy("通知阅读情况")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        notices = staff_notices(user=self.request.user)
        category = self.request.GET.get("category", "")
        if category in Category.values:
            notices = notices.filter(category=category)
        page_obj = Paginator(notices, 30).get_page(self.request.GET.get("page"))
        rates = notice_rates(user=self.request.user, notices=list(page_obj))
        rows = []
        for notice in page_obj:
            expected, read = rates[notice.pk]
            rows.append(
                {
                    "notice": notice,
                    "expected": expected,
                    "read": read,
                    "unread": expected - read,
                    "percent": read_percent(expected, read),
                }
            )
        context.update(
            {
                "rows": rows,
                "page_obj": page_obj,
                "categories": Category.choices,
                "category": category,
                "scope": org.get_scope(self.request.user),
            }
        )
        return context


class ReceiptDetailView(PermissionTemplateView):
    permission = PERMISSION
    template_name = "cms/admin/receipt_detail.html"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(PERMISSION):
            self.notice = org.get_scoped_or_404(
                staff_notices(user=request.user), request.user, pk=kwargs["pk"], county="county"
            )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("阅读情况：%(title)s") % {"title": self.notice.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        township_id = int_or(self.request.GET.get("township"))
        rates = township_rates(user=self.request.user, notice=self.notice)
        if township_id not in {r.township.pk for r in rates}:
            township_id = None
        scope = org.get_scope(self.request.user)
        show_unread = scope.level == "township" or township_id is not None
        unread = (
            list(unread_doctors(user=self.request.user, notice=self.notice, township_id=township_id)[:500])
            if show_unread
            else []
        )
        expected = sum(r.expected for r in rates)
        read = sum(r.read for r in rates)
        context.update(
            {
                "notice": self.notice,
                "rates": rates,
                "unread": unread,
                "township_id": township_id,
                "show_unread": show_unread,
                "expected": expected,
                "read": read,
                "percent": read_percent(expected, read),
                "scope": scope,
            }
        )
        return context


class UnreadExportView(View):
    def get(self, request, pk):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        notice = org.get_scoped_or_404(staff_notices(user=request.user), request.user, pk=pk, county="county")
        township_id = ScopeFilterForm(request.GET, user=request.user, fields=("township",)).or_404().get("township")
        rows = unread_doctors(user=request.user, notice=notice, township_id=township_id)
        data = UnreadDoctorResource().export(queryset=rows)
        response = HttpResponse(
            data.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="unread-{notice.pk}.xlsx"'
        return response


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("notices/receipts/", ReceiptListView.as_view(), name="notices_receipts"),
        path("notices/receipts/<int:pk>/", ReceiptDetailView.as_view(), name="notices_receipt_detail"),
        path("notices/receipts/<int:pk>/unread.xlsx", UnreadExportView.as_view(), name="notices_unread_export"),
    ]


@hooks.register("register_admin_menu_item")
def receipts_menu_item():
    return PermissionMenuItem(
        gettext_lazy("通知阅读情况"),
        reverse("notices_receipts"),
        icon_name="doc-full",
        order=350,
        permission=PERMISSION,
    )


# --- Wagtail's shared admin areas, kept to the user's county (see cms.admin_scope) ---------------


@hooks.register("register_admin_viewset")
def register_county_page_listings():
    from cms.admin_scope import county_page_viewsets

    return county_page_viewsets()


@hooks.register("construct_page_chooser_queryset")
def county_pages_in_chooser(pages, request):
    # The page chooser (rich-text links, page fields) offers the user's own county tree only.
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=admin_pages_for(user=request.user, with_ancestors=True).values("pk"))


# Menu items of Wagtail's page, document and image work: only county notice roles (and superusers)
# use them; township staff and doctors never do, whatever permissions a group may gain later.
NOTICE_WORK_MENU_ITEMS = {"explorer", "documents", "images", "reports"}


@hooks.register("construct_main_menu")
def hide_notice_work_from_other_roles(request, menu_items):
    if request.user.is_superuser or admin_notice_index(user=request.user) is not None:
        return
    menu_items[:] = [item for item in menu_items if item.name not in NOTICE_WORK_MENU_ITEMS]


# --- serving documents -------------------------------------------------------------------------------
# /documents/<id>/<name> is Wagtail's serve view (WAGTAILDOCS_SERVE_METHOD = "serve_view"). Who may
# download is decided by cms.selectors.document_visible_to alone. This hook runs first (order -100):
# an unscoped request gets the same 404 as a document that does not exist, before Wagtail's own
# collection restrictions (order 0) could show a password form confirming that it does. Allowed
# requests go on to Wagtail's sendfile, whose transfer is clinics.files.sendfile (SENDFILE_BACKEND):
# X-Accel-Redirect or streaming, as for every protected file.


@hooks.register("before_serve_document", order=-100)
def deny_unscoped_document(document, request):
    from django.http import Http404

    from cms.selectors import document_visible_to

    if not document_visible_to(user=request.user, document=document):
        raise Http404
