"""Keep the notices tree, the Wagtail groups and the page cache in step with the rest of the system."""

from django.db import transaction

from cms.caching import bump_notices_version


def county_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from cms.services import ensure_county_notices

    ensure_county_notices(county=instance)


def scope_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from django.contrib.auth import get_user_model

    from cms.services import sync_notice_groups

    user = get_user_model().objects.filter(pk=instance.user_id).first()
    if user is not None:
        sync_notice_groups(user=user)


def after_migrate(sender, **kwargs):
    # Once, after the last app's post_migrate, when every permission exists.
    from cms.apps import last_app_with_models

    if sender is not last_app_with_models():
        return
    from cms.services import ensure_all_counties

    ensure_all_counties()


def notices_changed(sender, **kwargs):
    transaction.on_commit(bump_notices_version)
