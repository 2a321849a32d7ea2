"""The blocks a notice body is made of: headings, rich text, tables, images and documents."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "hr", "link", "document-link"]


class SafeRichTextBlock(blocks.RichTextBlock):
    """Rich text that is passed through Wagtail's whitelist both when saved and when loaded, so markup
    that reached the database another way (an import, a script) can never render a <script>."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    @cached_property
    def _whitelister(self):

        return EditorHTMLConverter(features=self.features).whitelister

    def _clean_source(self, source: str) -> str:
        return self._whitelister.clean(source or "")

    def to_python(self, value):
        return RichText(self._clean_source(value))

    def get_prep_value(self, value):
        source = value.source if isinstance(value, RichText) else value
        return self._clean_source(source)

    def value_from_form(self, value):
        return RichText(self._clean_source(value))


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图片说明"), required=False)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image.html"


class NoticeBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title", template="cms/blocks/heading.html")
    paragraph = SafeRichTextBlock(label=_("正文段落"))
    table = TableBlock(
        label=_("表格"),
        template="cms/blocks/table.html",
        table_options={
            "contextMenu": [
                "row_above",
                "row_below",
                "---------",
                "col_left",
                "col_right",
                "---------",
                "remove_row",
                "remove_col",
                "---------",
                "undo",
                "redo",
            ]
        },
    )
    image = CaptionedImageBlock()
    document = DocumentChooserBlock(label=_("文件下载"), template="cms/blocks/document.html")

    class Meta:
        label = _("正文")
