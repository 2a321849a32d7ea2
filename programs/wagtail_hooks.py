# Wagtail discovers only <app>.wagtail_hooks; each feature registers its admin in its own module.
from programs import admin_drugs, admin_services  # noqa: F401
