"""Keep the notices tree, the Wagtail groups and the page cache in step with the rest of the system."""

from django.contrib.auth import get_user_model
from django.db import transaction

from cms.apps import last_app_with_models
from cms.caching import bump_notices_version
from cms.services import ensure_all_counties, ensure_county_notices, sync_notice_groups


def county_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return

    ensure_county_notices(county=instance)


def scope_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return

    user = get_user_model().objects.filter(pk=instance.user_id).first()
    if user is not None:
        sync_notice_groups(user=user)


def after_migrate(sender, **kwargs):
    # Once, after the last app's post_migrate, when every permission exists.

    if sender is not last_app_with_models():
        return

    ensure_all_counties()


def notices_changed(sender, **kwargs):
    transaction.on_commit(bump_notices_version)
