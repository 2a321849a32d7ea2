from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from clinics.roles import Role

_RECEIPTS = ["cms.view_noticereceipt"]


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("通知公告")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        Role.TOWNSHIP_STAFF: _RECEIPTS,
        Role.COUNTY_ADMIN: _RECEIPTS,
        Role.NOTICE_EDITOR: _RECEIPTS,
        Role.NOTICE_MODERATOR: _RECEIPTS,
    }

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from cms import inbox, services, signals
        from cms.portal import offline
        from core import announcements
        from core.inbox import register_inbox
        from core.offline import register_entry_kind, register_offline_pages
        from core.portal import register_portal_link

        # Settlement publishes its 公示 through core.announcements (it may not import cms).
        announcements.register_publisher(services.publish_announcement)

        post_save.connect(signals.county_saved, sender="clinics.County", dispatch_uid="cms.county_saved")
        post_save.connect(signals.scope_changed, sender="clinics.UserScope", dispatch_uid="cms.scope_saved")
        post_delete.connect(signals.scope_changed, sender="clinics.UserScope", dispatch_uid="cms.scope_deleted")
        post_migrate.connect(signals.after_migrate, dispatch_uid="cms.after_migrate")
        page_published.connect(signals.notices_changed, dispatch_uid="cms.published")
        page_unpublished.connect(signals.notices_changed, dispatch_uid="cms.unpublished")
        post_delete.connect(signals.notices_changed, sender="cms.NoticePage", dispatch_uid="cms.deleted")
        register_inbox(inbox.inbox_items)  # the to-do rows of the homes (core.inbox)
        register_portal_link(order=60, label=_("通知公告"), url_name="portal_notices:index", icon="通")
        # 我已阅读 pressed offline, replayed by the sync endpoint; the notices are kept on the phone.
        register_entry_kind(name="receipt", label=_("通知已读回执"), replay=offline.replay_receipt)
        register_offline_pages(offline.pages)


def last_app_with_models():
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]
