"""Notice images: renditions are stored under MEDIA_ROOT like every file, but their URL is a view that
asks ``cms.selectors.image_visible_to`` first (an image of a draft or of a doctors-only notice is not
public). Wagtail builds every rendition URL (``{% image %}``, the admin's thumbnails) from this
storage (setting WAGTAILIMAGES_RENDITION_STORAGE)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.urls import reverse


class RenditionStorage(FileSystemStorage):
    def url(self, name):
        return reverse("notices:image", args=[name])


def rendition_named(name: str):
    from wagtail.images import get_image_model

    rendition_model = get_image_model().get_rendition_model()
    return rendition_model.objects.filter(file=name).select_related("image").first()


def serve_image(request, name: str):
    from cms.selectors import image_visible_to
    from core.files import serve_protected_file

    rendition = rendition_named(name)
    if rendition is None or not image_visible_to(user=request.user, image=rendition.image):
        raise Http404
    return serve_protected_file(request, rendition.file.name, PurePosixPath(name).name, inline=True)
