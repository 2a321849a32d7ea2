"""Error pages that say what happened in Chinese and never show a traceback."""

from __future__ import annotations

import logging
import secrets
import sys

from django.http import HttpRequest, HttpResponsePermanentRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone

logger = logging.getLogger("config.errors")


def new_error_reference() -> str:
    """A reference a user can read out on the phone: date and time to the second plus four random letters,
    e.g. 20261201-153012-K7QD. The log line carries the same reference, so the administrator finds it."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(4))
    return f"{stamp}-{code}"


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponseServerError:
    """``handler500``: Django calls it inside the ``except`` block of the failed request, so the exception is still
    in ``sys.exc_info()``. The traceback goes to the log with the reference; the page shows only the reference.

    Rendered without a RequestContext: the context processors might be what failed (a locked database, say)."""
    reference = new_error_reference()
    logger.error(
        "服务器错误，参考编号 %s：%s %s", reference, request.method, request.get_full_path(), exc_info=sys.exc_info()
    )
    try:
        body = loader.get_template(template_name).render({"reference": reference})
    except Exception:  # the page must come out even if the template cannot be rendered
        logger.exception("错误页面无法渲染，参考编号 %s", reference)
        body = f"<!doctype html><meta charset=utf-8><h1>系统出错</h1><p>参考编号：{reference}</p>"
    response = HttpResponseServerError(body)
    response["X-Error-Reference"] = reference
    return response


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers ask for on pages that name no icon: the site's icon (its hashed static name,
    resolved per request so that URL loading does not need the collected static files)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
