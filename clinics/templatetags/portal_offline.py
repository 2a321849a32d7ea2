"""The offline portal's texts for static/js/portal.js, as a JSON data block (``type="application/json"``: data,
not a script, so the CSP's script-src 'self' does not apply). ``{name}`` marks are filled in by the script."""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

from clinics.portal.offline import shell_version
from core.offline import ENTRY_KINDS

register = template.Library()


@register.simple_tag
def offline_strings():
    strings = {
        "banner": _("离线 · 数据截至 {time}"),
        "bannerHint": _("现在没有网络，看到的是上次联网时的内容。填写的记录先存在手机里，有网后自动发送。"),
        "date": _("{month}月{day}日"),
        "count": _("待发送 {n} 条"),
        "countRefused": _("{n} 条未能保存"),
        "countLoggedOut": _("手机里有 {n} 条记录待发送，登录后自动发送"),
        "queued": _("现在没有网络，这条记录已存在手机里，有网后会自动发送（待发送 {n} 条）。"),
        "queuedHere": _("已存在手机里，等待发送。要改动，请到“待发送的记录”里删除这条后重新填写。"),
        "sent": _("有网了：已把 {n} 条记录发送到卫生院。"),
        "refusedNotice": _("有 {n} 条记录未能保存，请看原因，修改后重新提交。"),
        "seeQueue": _("查看待发送记录 ›"),
        "loginToSend": _("登录已过期。请重新登录，登录后手机里的记录会自动发送。"),
        "pending": _("等待发送"),
        "refused": _("未能保存"),
        "saved": _("已保存"),
        "sentAt": _("（{time} 发送）"),
        "reason": _("原因："),
        "fix": _("修改后重新提交"),
        "discard": _("删除这条"),
        "discardConfirm": _("再点一次确认删除（删除后不能恢复）"),
        "empty": _("没有待发送的记录。"),
        "others": _("另有 {n} 条是其他医生在这部手机上录入的，要等该医生登录后才会发送。"),
        "madeAt": _("录入于 {time}"),
        "willSend": _("有网络，马上发送。"),
        "waitNetwork": _("没有网络，有网后自动发送。"),
        "fixing": _("正在修改未能保存的记录（原因：{reason}）。改好后再提交。"),
        "noCopy": _("现在没有网络，这个页面没有存在手机里。下面是待发送的记录。"),
        "kinds": {name: str(kind.label) for name, kind in ENTRY_KINDS.items()},
        # A new shell (new static file names in production): the kept pages are fetched again to use them.
        "version": shell_version(),
    }
    return json_script(strings, "offline-strings")
