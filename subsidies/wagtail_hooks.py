# Wagtail discovers only <app>.wagtail_hooks; each feature registers its admin in its own module.
from subsidies import admin_assessments, admin_settlement  # noqa: F401
