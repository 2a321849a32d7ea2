"""Upload rules for notice attachments: document and image types only, and a size limit."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm


class NoticeDocumentForm(BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        limit = settings.NOTICE_ATTACHMENT_MAX_SIZE
        if file is not None and getattr(file, "size", 0) > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s）；附件不能超过 %(limit)s。")
                % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)}
            )
        return file
