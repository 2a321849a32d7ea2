"""Public views besides the Wagtail pages: Chinese search, the Atom feed and the printable poster."""

from urllib.parse import unquote

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms import pdf
from cms.models import Category
from cms.search import query_terms, search_notices
from cms.selectors import public_notices, visible_notices


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results = search_notices(visible_notices(user=request.user), query) if query else None
    page_obj = Paginator(results, 20).get_page(request.GET.get("page")) if results is not None else None
    return render(
        request,
        "cms/search.html",
        {
            "query": query,
            "terms": query_terms(query) if query else [],
            "results": page_obj,
            "page_title": _("搜索通知"),
        },
    )


class NoticeFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("卫生健康政策公告")
    subtitle = gettext_lazy("县卫生健康局发布的政策文件、宣传资料、培训通知和公示")
    link = "/"

    def items(self):
        return public_notices().select_related("county")[:50]

    def item_title(self, item):
        return f"【{Category(item.category).label}】{item.title}"

    def item_description(self, item):
        return item.lead

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_author_name(self, item):
        return item.issuing_body


def poster(request, pk: int):
    notice = visible_notices(user=request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    # Printed for people to type in: Chinese characters, not percent-escapes.
    site_url = unquote(request.build_absolute_uri(notice.url))
    response = HttpResponse(pdf.poster_pdf(notice, site_url=site_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.poster_filename(notice)}"'
    return response
