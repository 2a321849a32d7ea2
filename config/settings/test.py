from config.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "core.sms.LocmemSmsBackend"
# Tasks run inline in tests so their effects can be asserted directly.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's in-memory database: Django lets live-server threads share an in-memory database by
    # handing every thread the *same* connection, so a browser's concurrent requests (and the test thread's own
    # queries) interleave inside each other's transactions. With a file each thread has its own connection and
    # SQLite's locking (WAL, IMMEDIATE transactions, busy timeout — see base.py) serialises the writers.
    # pytest-xdist workers get their own file (pytest-django appends _gw0, _gw1, …).
    (BASE_DIR / ".test-db").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db" / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF"  # noqa: F405
WHITENOISE_USE_FINDERS = True  # the test runs never collect static files
# A fixed key for residents' encrypted numbers: every test process (and xdist worker) reads the same values.
RESIDENT_DATA_KEY = "dGVzdC1vbmx5LXJlc2lkZW50LWRhdGEta2V5LTMyYnk="
