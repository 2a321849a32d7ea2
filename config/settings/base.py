"""Settings shared by every environment. Secrets and the database come from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    # project apps first so their templates and translations win
    "core",
    "clinics",
    "doctors",
    "residents",
    "programs",
    "subsidies",
    "cms",
    # Wagtail
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # third party
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "auditlog",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files with long-lived cache headers, before anything touches the session or the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.audit.AuditMiddleware",  # each request is one action of the change history (after the user is known)
    "cms.admin.scope.WagtailAreasScopeMiddleware",  # Wagtail endpoints no county role needs: 404
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "clinics.context_processors.user_scope",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# The change history (修改记录): django-auditlog writing clinics.AuditEntry (with the entry's clinic, township and
# county, the reason and the source); one action's entries share the correlation id core.audit keeps.
AUDITLOG_LOGENTRY_MODEL = "clinics.AuditEntry"
# django-auditlog's own migrations create its LogEntry table even when the model is swapped for ours; that table
# would reference users and content types without being a model of ours, and PostgreSQL then refuses the TRUNCATE
# of a flush (transactional tests). Without its migrations, Django creates no table for a swapped model.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_CID_GETTER = "core.audit.current_cid"
AUDITLOG_DISABLE_REMOTE_ADDR = True  # not needed to explain a change, and personal data

# SQLite in the project folder unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
SQLITE_BUSY_TIMEOUT_S = int(os.environ.get("SQLITE_BUSY_TIMEOUT", "30"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the background worker write to the same file. Three settings make a write that meets a
    # busy database wait and succeed instead of failing with "database is locked":
    # - WAL: readers never block the writer and the writer never blocks readers;
    # - IMMEDIATE transactions: a transaction takes the write lock when it begins. With SQLite's default (DEFERRED)
    #   a transaction that read first and then writes must upgrade its lock, and when another connection writes
    #   meanwhile SQLite refuses the upgrade at once (a deadlock), without waiting for the busy timeout;
    # - the busy timeout, which then really applies: a writer waits up to this long for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": SQLITE_BUSY_TIMEOUT_S,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles a statement whose estimated cost passes jit_above_cost, and for
    # this site's largest statements the compilation costs more than it saves — measured on the settlement's
    # read of a province's figures (30,000 clinics, 4.7 M report lines): 2.2–2.5 s with JIT (0.35–0.8 s of it
    # compiling, EXPLAIN ANALYZE), 1.95–2.0 s without. Statements of a few seconds at most run well interpreted.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:after_login"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: large Excel files are streamed to disk rather than held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_FILE_SIZE = int(os.environ.get("IMPORT_MAX_FILE_SIZE", 50 * 1024 * 1024))
# What an imported sheet may hold, checked before parsing (core.dataio.filecheck). The defaults take Excel's
# full height and a 1,000,000-row × 8-column service-report file with room to spare.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 1_048_576))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", 200))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", 20_000_000))
IMPORT_MAX_UNCOMPRESSED_SIZE = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_SIZE", 1024 * 1024 * 1024))
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", 100))
# Files are parsed in a child process with these limits, so a file that breaks the parser cannot take the
# web or worker process down with it.
IMPORT_PARSE_MEMORY_MB = int(os.environ.get("IMPORT_PARSE_MEMORY_MB", 4096))
IMPORT_PARSE_TIMEOUT = int(os.environ.get("IMPORT_PARSE_TIMEOUT", 300))  # seconds
IMPORT_PARSE_PYTHON = os.environ.get("IMPORT_PARSE_PYTHON", "")  # the interpreter for it; "" = this process's
# Background import jobs beat every IMPORT_JOB_HEARTBEAT_EVERY seconds; a running job silent for
# IMPORT_JOB_STALE_AFTER seconds lost its worker and is marked failed (clinics.services).
IMPORT_JOB_HEARTBEAT_EVERY = float(os.environ.get("IMPORT_JOB_HEARTBEAT_EVERY", 10))
IMPORT_JOB_STALE_AFTER = float(os.environ.get("IMPORT_JOB_STALE_AFTER", 120))

# Wagtail
WAGTAIL_SITE_NAME = "村卫生室公共卫生服务管理系统"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Everyone works in China's one time zone: no time-zone chooser (400 English zone names) on the account page.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
# No "what's new in Wagtail" banner pointing to an English guide.
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Wagtail's autosave is off. On the "add page" screen the first autosave *creates* the page; on a slow line (a
# township's connection, or a busy server) the editor's own "submit" or a second autosave reaches the server before
# that answer came back and creates it again: "该短网址已被使用" (slug in use), a duplicate draft, and an editor who
# cannot submit. Notices are short; editors save drafts with 保存草稿.
WAGTAIL_AUTOSAVE_INTERVAL = 0

# django-import-export: every import runs in a transaction and is all-or-nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# Background tasks (imports over a few thousand rows, batch PDFs) run in the db_worker process.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Every whole (unmasked) phone number shown to staff is logged (docs/DESIGN.md, personal data).
    "loggers": {"personal_data": {"level": "INFO"}},
}
REPORT_DEADLINE_DAY = int(os.environ.get("REPORT_DEADLINE_DAY", "10"))  # day of next month

# Reminders (提醒) to village doctors: an in-portal message, an e-mail where the doctor has an address, and a text
# message through SMS_BACKEND (core.sms: a class with send(phone, text) -> provider id). Every message is kept in the
# outbox (doctors.OutboxMessage); failed ones are retried by the background worker and `manage.py send_outbox`.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.FileSmsBackend")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", BASE_DIR / "var" / "sms"))
REMINDER_REPEAT_HOURS = int(os.environ.get("REMINDER_REPEAT_HOURS", "24"))  # no second reminder sooner (no spam)
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
OUTBOX_RETRY_MINUTES = int(os.environ.get("OUTBOX_RETRY_MINUTES", "10"))  # wait before the first retry (doubles)

# Notice attachments (cms): documents and images only, each at most 20 MB.
WAGTAILDOCS_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "wps",
    "et",
    "txt",
    "ofd",
    "jpg",
    "jpeg",
    "png",
]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.forms.NoticeDocumentForm"
NOTICE_ATTACHMENT_MAX_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# Protected files: MEDIA_ROOT has no public URL. Documents, notice images, assessment evidence, import
# uploads and statement ZIPs are served by views that check scope (core.files.serve_protected_file).
# PROTECTED_FILES_ACCEL_PREFIX: nginx `internal` location aliased to MEDIA_ROOT (README, "Files");
# empty: Django streams the files. Import uploads are deleted after IMPORT_FILE_RETENTION_DAYS
# (`manage.py purge_import_files`).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
SENDFILE_BACKEND = "core.files"  # Wagtail's document serve view transfers through core.files.sendfile
WAGTAILIMAGES_RENDITION_STORAGE = "cms.files.RenditionStorage"
PROTECTED_FILES_ACCEL_PREFIX = os.environ.get("PROTECTED_FILES_ACCEL_PREFIX", "")
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "7"))

# --------------------------------------------------------------------------- log-in protection and headers
# (one block, to keep merges easy)
INSTALLED_APPS += ["axes"]  # django-axes: failed log-ins are counted in the database (AccessAttempt)
# AxesStandaloneBackend refuses a locked-out user or address before the password is even checked, so the right
# password does not get in while locked. It must come first.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "clinics.login_security.AdminScriptPolicyMiddleware",  # script-src 'unsafe-inline' under /admin/ only
    "clinics.login_security.SessionExpiryMiddleware",
    # Last, so it sees the login view's answer and replaces it with our lock-out page.
    "axes.middleware.AxesMiddleware",
]
# Throttling: 5 wrong passwords for one user name lock that name for 30 minutes; 20 from one address lock the
# address (a township health centre's staff share one address behind its router, so its limit is higher).
# A successful log-in starts the count again. County admins unlock their county's users under 设置 → 被锁定的账号.
AXES_HANDLER = "clinics.login_security.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5  # per user name; see LOGIN_FAILURES_PER_ADDRESS
LOGIN_FAILURES_PER_ADDRESS = 20
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed log-in is kept for the county admin's 登录记录
AXES_LOCKOUT_CALLABLE = "clinics.login_security.lockout_response"
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，账号已被锁定 30 分钟。请稍后再试，或联系县卫健局管理员解锁。")
AXES_VERBOSE = False
# The client address (clinics.login_security.client_address): REMOTE_ADDR, or behind reverse proxies set
# LOGIN_PROXY_COUNT to their number and the address is read from X-Forwarded-For counting from the right (the
# entries our proxies added), so a client cannot forge it. Without it every client would share the proxy's.
AXES_CLIENT_IP_CALLABLE = "clinics.login_security.client_address"
LOGIN_PROXY_COUNT = int(os.environ.get("LOGIN_PROXY_COUNT", "0"))

# Password rules: Django's validators (set above), the minimum length restated in Chinese (core.passwords).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.MinimumLengthValidator"} if v["NAME"].endswith(".MinimumLengthValidator") else v
    for v in AUTH_PASSWORD_VALIDATORS
]

# Sessions: staff sessions end after 2 hours without a request and when the browser closes. Village doctors
# log in on their own phones in the field, typing a password on a phone keyboard each time makes them stop
# reporting, so their session lasts 7 days without use (see clinics.login_security.SessionExpiryMiddleware).
SESSION_COOKIE_AGE = 2 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True  # the 2 hours count from the last request, not from the log-in
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
DOCTOR_SESSION_AGE = 7 * 24 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security headers (SecurityMiddleware / XFrameOptionsMiddleware / django-csp).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # our URLs carry ids and filters; other sites need not see them
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail marks its preview views SAMEORIGIN itself
# Content-Security-Policy (django-csp 4). Our own pages need nothing inline: our scripts live in static files
# (static/js/staff.js, loaded on every admin page by an insert_global_admin_js hook). Wagtail's admin needs:
#   script-src 'unsafe-inline' under /admin/ only (clinics.login_security.AdminScriptPolicyMiddleware) — the
#     page editor and its choosers run inline <script>s from Wagtail's templates (seen blocked in Chromium);
#   style-src 'unsafe-inline' — its templates and Stimulus controllers set style="" attributes (progress bars,
#     Draftail toolbars, the sidebar's width), which a nonce cannot cover. Our own templates set none (classes in
#     static/css/admin.css and static/css/portal.css): only Wagtail's own markup needs it;
#   img-src data: blob: — icons in CSS, image previews before upload;
#   frame-src 'self' — the page preview panel.
# The portal and the public site: script-src 'self' only, inline <script> and on*="" handlers are refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Residents' ID and phone numbers are encrypted at rest (residents.crypto). Production sets RESIDENT_DATA_KEY
# (a Fernet key: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())");
# the embedded default generates one into the key file on first use. Keep the key: without it the numbers are lost.
RESIDENT_DATA_KEY = os.environ.get("RESIDENT_DATA_KEY", "")
RESIDENT_DATA_KEY_FILE = Path(os.environ.get("RESIDENT_DATA_KEY_FILE", BASE_DIR / "var" / "resident-data.key"))
