"""`make run`: the embedded default on one machine (SQLite, the db_worker process beside runserver).

It behaves like production towards its users: no debug pages (an error shows the Chinese error page with a
reference number, the traceback goes to the log). A developer who wants Django's debug page sets DJANGO_DEBUG=1."""

import os

from config.settings.base import *  # noqa: F403

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]
# Static files come straight from the apps' and the project's static folders (no collectstatic needed), through
# the same WhiteNoise middleware that serves them in production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Demo e-mail (password resets, reminders) is written to files, one per message, instead of the terminal.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - WhiteNoise warns at start-up when it is missing
