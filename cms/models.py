"""The public notices site (Wagtail pages) and the read receipts of village doctors.

Page tree: HomePage (site root) → one NoticeIndexPage per county → NoticePage. Each county's index
carries that county's editor / moderator group permissions and its approval workflow
(``cms.services.ensure_county_notices``), so Wagtail's own permission checks keep counties apart.

Glossary: 通知公告 notice · 政策文件 policy document · 宣传 publicity · 培训通知 training notice ·
公示 public announcement · 文号 document number · 发文单位 issuing body · 已读回执 read receipt ·
宣传栏 village notice board.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from cms.blocks import NoticeBodyBlock


class Category(models.TextChoices):
    POLICY = "policy", _("政策文件")
    PUBLICITY = "publicity", _("宣传")
    TRAINING = "training", _("培训通知")
    ANNOUNCEMENT = "announcement", _("公示")


class Audience(models.TextChoices):
    PUBLIC = "public", _("公开（所有人可见，全县村医需回执）")
    DOCTORS = "doctors", _("全县村医（不对外公开）")
    TOWNSHIPS = "townships", _("指定乡镇的村医（不对外公开）")


class HomePage(Page):
    intro = RichTextField(_("简介"), blank=True)
    banner = models.CharField(
        _("横幅提示"),
        max_length=200,
        blank=True,
        help_text=_("显示在首页顶部的醒目提示，例如“2026 年村医补助公示期至 12 月 10 日”。留空则不显示。"),
    )
    banner_link = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("横幅链接"),
    )

    content_panels = [*Page.content_panels, FieldPanel("banner"), FieldPanel("banner_link"), FieldPanel("intro")]
    subpage_types = ["cms.NoticeIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from cms.caching import cache_key_for
        from cms.selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(user=request.user))
        context["cache_key"] = cache_key_for(request)
        return context


class NoticeIndexPage(Page):
    """The notices of one county (one per county, created with the county)."""

    county = models.OneToOneField(
        "clinics.County", on_delete=models.PROTECT, related_name="notice_index", verbose_name=_("县")
    )
    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NoticePage"]
    PAGE_SIZE = 20

    class Meta:
        verbose_name = _("通知公告栏目")

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import notice_years, visible_notices

        context = super().get_context(request, *args, **kwargs)
        notices = visible_notices(user=request.user).filter(county_id=self.county_id)
        category = request.GET.get("category", "")
        if category in Category.values:
            notices = notices.filter(category=category)
        else:
            category = ""
        from clinics.filters import ScopeFilterForm

        year = ScopeFilterForm(request.GET, user=request.user, fields=("year",)).get("year")
        years = notice_years(notices=visible_notices(user=request.user).filter(county_id=self.county_id))
        if year in years:  # an unknown or malformed year shows every year
            notices = notices.filter(issued_on__year=year)
            year = str(year)
        else:
            year = ""
        page_obj = Paginator(notices, self.PAGE_SIZE).get_page(request.GET.get("page"))
        from cms.caching import cache_key_for

        context.update(
            {
                "notices": page_obj,
                "categories": Category.choices,
                "category": category,
                "years": years,
                "year": year,
                "cache_key": cache_key_for(request),
            }
        )
        return context


class NoticeForm(WagtailAdminPageForm):
    """Townships offered are those of the notice's own county; the audience must name them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from clinics.models import Township

        parent = self.parent_page.specific if self.parent_page else None
        county_id = getattr(parent, "county_id", None) or self.instance.county_id
        if "townships" in self.fields:
            self.fields["townships"].queryset = Township.objects.filter(county_id=county_id).order_by("code")
        county = getattr(parent, "county", None)
        if not self.instance.pk and county is not None and not self.initial.get("issuing_body"):
            # A new notice is usually issued by the county's health bureau: filled in, still editable.
            self.initial["issuing_body"] = county.health_bureau_name or county.name

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        townships = cleaned.get("townships")
        if audience == Audience.TOWNSHIPS and not townships:
            self.add_error("townships", _("受众为“指定乡镇”时，请至少选择一个乡镇。"))
        if audience != Audience.TOWNSHIPS and townships:
            self.add_error("townships", _("只有受众为“指定乡镇”时才选择乡镇，请清空。"))
        issued, effective = cleaned.get("issued_on"), cleaned.get("effective_on")
        if issued and effective and effective < issued:
            self.add_error("effective_on", _("施行日期不能早于发文日期。"))
        return cleaned


class NoticePage(Page):
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.POLICY)
    issuing_body = models.CharField(_("发文单位"), max_length=100)
    document_number = models.CharField(
        _("文号"), max_length=60, blank=True, help_text=_("例如：青卫发〔2026〕12 号。没有文号可留空。")
    )
    issued_on = models.DateField(_("发文日期"), default=timezone.localdate)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    summary = models.CharField(
        _("摘要"), max_length=300, blank=True, help_text=_("列表和订阅中显示的一两句话；留空则取正文开头。")
    )
    body = StreamField(
        NoticeBodyBlock(),
        verbose_name=_("正文"),
        blank=True,
        help_text=_("点下面的 ⊕ 添加一段正文，也可以添加附件、图片或表格。"),
    )
    audience = models.CharField(_("受众"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    townships = ParentalManyToManyField(
        "clinics.Township", blank=True, verbose_name=_("指定乡镇"), related_name="notices"
    )
    # Filled from the parent county index on save; lets selectors filter without walking the tree.
    county = models.ForeignKey(
        "clinics.County",
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="notices",
        verbose_name=_("县"),
    )
    county_id: int | None  # the plugin does not see Wagtail pages as models
    # Normalised plain text of title, number and body: what Chinese search matches (cms.search).
    search_text = models.TextField(editable=False, blank=True, default="")

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("category"), FieldPanel("document_number")]),
                FieldRowPanel([FieldPanel("issuing_body"), FieldPanel("issued_on"), FieldPanel("effective_on")]),
            ],
            heading=_("公文信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("附件"), heading=_("附件")),
        MultiFieldPanel(
            [FieldPanel("audience"), FieldPanel("townships")],
            heading=_("受众与回执"),
            help_text=_("发给村医的通知会出现在村医工作台，直到村医点“我已阅读”。"),
        ),
    ]
    base_form_class = NoticeForm
    parent_page_types = ["cms.NoticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        indexes = [models.Index(fields=["county", "issued_on"], name="cms_notice_county_issued")]

    def save(self, *args, **kwargs):
        from cms.search import normalise_text, notice_plain_text

        if self.county_id is None and self.depth and self.depth > 1:
            parent = self.get_parent().specific
            self.county_id = getattr(parent, "county_id", None)
        self.search_text = normalise_text(notice_plain_text(self))
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.county_id is None and self.depth and self.depth > 1:
            parent = self.get_parent()
            if parent is not None and not isinstance(parent.specific, NoticeIndexPage):
                raise ValidationError(_("通知只能建在某个县的“通知公告栏目”下。"))

    @property
    def is_public(self) -> bool:
        return self.audience == Audience.PUBLIC

    @property
    def lead(self) -> str:
        """The summary, or the start of the body's paragraphs. Read from the stored JSON so that a list
        of notices never loads the images and documents their bodies choose (one query each)."""
        from html import unescape

        from django.utils.html import strip_tags

        if self.summary:
            return self.summary
        paragraphs = [block.get("value") or "" for block in self.body.raw_data if block.get("type") == "paragraph"]
        text = " ".join(unescape(strip_tags(p)) for p in paragraphs).strip()
        return text[:120] + ("…" if len(text) > 120 else "")

    def serve(self, request, *args, **kwargs):
        from cms.selectors import visible_notices

        if not visible_notices(user=request.user).filter(pk=self.pk).exists():
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import receipt_for

        context = super().get_context(request, *args, **kwargs)
        context["receipt"] = receipt_for(user=request.user, notice=self)
        context["attachments"] = list(self.attachments.select_related("document"))
        # A preview renders a draft: it must never fill (or read) the cache the published page uses.
        preview = getattr(request, "is_preview", False)
        context["body_cache_key"] = (
            f"preview-{timezone.now().timestamp()}" if preview else f"live-{self.live_revision_id}"
        )
        return context


class NoticeAttachment(Orderable):
    page = ParentalKey(NoticePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+", verbose_name=_("文件")
    )
    title = models.CharField(_("附件名称"), max_length=200, blank=True, help_text=_("留空则用文件标题。"))

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("附件")

    @property
    def label(self) -> str:
        return self.title or self.document.title


class CountyCollection(models.Model):
    """The Wagtail collection holding one county's documents and images (made with the county, see
    ``cms.services.ensure_county_notices``). The county's notice groups hold their document and image
    permissions on it, so Wagtail's own permission policy keeps each county's files to itself."""

    county = models.OneToOneField(
        "clinics.County", on_delete=models.CASCADE, related_name="media_collection", verbose_name=_("县")
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.PROTECT, related_name="+", verbose_name=_("文件夹")
    )

    class Meta:
        verbose_name = _("县文件夹")
        verbose_name_plural = _("县文件夹")

    def __str__(self):
        return f"{self.county_id} · {self.collection_id}"


class NoticeReceipt(models.Model):
    """已读回执: a village doctor confirmed having read a notice."""

    notice = models.ForeignKey(NoticePage, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("通知"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_receipts", verbose_name=_("村医")
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="notice_receipts", verbose_name=_("村卫生室")
    )
    read_at = models.DateTimeField(_("阅读时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已读回执")
        verbose_name_plural = _("已读回执")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="cms_receipt_once_per_doctor")]
        indexes = [models.Index(fields=["user", "notice"], name="cms_receipt_user")]

    def __str__(self):
        return f"{self.user} · {self.notice_id}"


def live_q(prefix: str = "") -> Q:
    """Published and not past its expiry (even if ``publish_scheduled`` has not run yet)."""
    now = timezone.now()
    return Q(**{f"{prefix}live": True}) & (
        Q(**{f"{prefix}expire_at__isnull": True}) | Q(**{f"{prefix}expire_at__gt": now})
    )
