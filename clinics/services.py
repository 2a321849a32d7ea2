"""Changes to the organisation tree, to users' roles and scopes, and to background import jobs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axes.utils import reset
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import City, Clinic, County, ImportJob, OfflineEntry, Province, Township, UserScope
from clinics.roles import COUNTY_ROLES, ROLE_GROUP_NAMES, ROLE_PERMISSIONS, Role
from clinics.selectors import login_usernames_for
from core.forms import joined_messages
from core.offline import ENTRY_KINDS

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.contrib.auth.models import User

    from clinics.selectors import AnyUser


def role_permissions() -> dict[str, list[str]]:
    """ROLE_PERMISSIONS merged with what each app's AppConfig.role_permissions adds."""
    merged: dict[str, list[str]] = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            merged.setdefault(role, []).extend(perms)
    return merged


@transaction.atomic
def sync_role_groups() -> None:
    """Create the role groups and give each exactly its declared permissions."""
    for role, codes in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        perms = []
        for code in codes:
            app_label, codename = code.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


def sync_role_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Run once, after the last app's post_migrate, when every app's permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        sync_role_groups()


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: str,
    county: County | None = None,
    township: Township | None = None,
    clinic: Clinic | None = None,
    city: City | None = None,
    province: Province | None = None,
) -> UserScope:
    """Give a user their role and place; replaces any earlier role."""
    if role == Role.CITY_OFFICIAL and city is None:
        raise ValidationError({"city": _("市卫健委用户必须关联到一个市。")})
    if role == Role.PROVINCE_OFFICIAL and province is None:
        raise ValidationError({"province": _("省卫健委用户必须关联到一个省。")})
    if role == Role.VILLAGE_DOCTOR and clinic is None:
        raise ValidationError({"clinic": _("村医必须关联到一个村卫生室。")})
    if role == Role.TOWNSHIP_STAFF and township is None:
        raise ValidationError({"township": _("卫生院工作人员必须关联到一个乡镇。")})
    if role in COUNTY_ROLES and county is None:
        raise ValidationError({"county": _("卫健局用户必须关联到一个县。")})
    scope, _created = UserScope.objects.update_or_create(
        user=user,
        defaults={
            "role": role,
            "clinic": clinic if role == Role.VILLAGE_DOCTOR else None,
            "township": township if role == Role.TOWNSHIP_STAFF else None,
            "county": county if role in COUNTY_ROLES else None,
            "city": city if role == Role.CITY_OFFICIAL else None,
            "province": province if role == Role.PROVINCE_OFFICIAL else None,
        },
    )
    role_groups = Group.objects.filter(name__in=ROLE_GROUP_NAMES.values())
    user.groups.remove(*role_groups)
    group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role(role)])
    user.groups.add(group)
    if hasattr(user, "_scope_cache"):
        del user._scope_cache
    return scope


@transaction.atomic
def create_user_with_role(
    *,
    username: str,
    password: str | None = None,
    role: str,
    full_name: str = "",
    email: str = "",
    county: County | None = None,
    township: Township | None = None,
    clinic: Clinic | None = None,
    city: City | None = None,
    province: Province | None = None,
    password_hash: str | None = None,
) -> User:
    """A new login with its role. ``password_hash`` (from make_password) lets bulk seeding hash once."""
    User = get_user_model()
    user = User.objects.create_user(
        username=username, password=password, email=email, first_name=full_name, is_staff=False
    )
    if password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    assign_role(user=user, role=role, county=county, township=township, clinic=clinic, city=city, province=province)
    return user


@transaction.atomic
def move_doctor_user_to_clinic(*, user: User, clinic: Clinic) -> UserScope:
    """Follow a village doctor's change of clinic (变更注册) in their login's scope."""
    return assign_role(user=user, role=Role.VILLAGE_DOCTOR, clinic=clinic)


def import_upload_dir() -> Path:
    """Where uploaded import files wait (the preview's confirm step, background jobs)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def purge_old_import_files(*, older_than: timedelta) -> int:
    """Delete uploaded import files stored longer ago than ``older_than`` (a timedelta): previews never
    confirmed and background jobs checked or failed long ago. Files of jobs still being checked or
    imported are kept. Returns the number of files deleted."""

    folder = import_upload_dir()
    if not folder.is_dir():
        return 0
    cutoff = (timezone.now() - older_than).timestamp()
    busy = set(
        ImportJob.objects.filter(state__in=[ImportJob.State.CHECKING, ImportJob.State.IMPORTING]).values_list(
            "stored_file", flat=True
        )
    )
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in busy and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@transaction.atomic
def unlock_login(*, user: AnyUser, username: str) -> int:
    """Lift the lock-out (django-axes' failed attempts) of one user name of the admin's county; returns how
    many attempt records were cleared."""

    if not login_usernames_for(user).filter(username=username).exists():
        raise ValidationError(_("账号“%(name)s”不存在或不在您的管辖范围内，不能解锁。") % {"name": username})
    return reset(username=username)


def fail_stale_import_jobs(*, now: datetime) -> int:
    """Mark failed every started job in a running state whose heartbeat is older than IMPORT_JOB_STALE_AFTER:
    its worker died (killed, out of memory, server restarted). Nothing of it was written, since an import
    commits in one transaction. Called when a job page is viewed and by the tasks as they start, so it
    needs no scheduler. Jobs not started yet (no heartbeat) wait in the queue and are left alone."""
    cutoff = now - timedelta(seconds=settings.IMPORT_JOB_STALE_AFTER)
    stale = ImportJob.objects.filter(state__in=ImportJob.RUNNING_STATES, heartbeat_at__lt=cutoff)
    # Read first, write only when something is stale: the job page polls this every second, and on SQLite
    # every UPDATE takes the database's one write lock, which a running import may need at that moment.
    states = set(stale.values_list("state", flat=True))
    failed = 0
    for state in states:
        failed += stale.filter(state=state).update(
            state=ImportJob.State.FAILED, failed_phase=state, failure=ImportJob.Failure.INTERRUPTED
        )
    return failed


@transaction.atomic
def retry_import_job(*, job: ImportJob) -> ImportJob:
    """Queue a failed job again from its stored file: the check again if it failed while checking, the import
    (of a file already checked) if it failed while importing. Counters and the failure are reset."""
    # Imported here: the tasks module imports this one (fail_stale_import_jobs) at its top.
    from clinics.tasks import check_import_job, run_import_job  # noqa: PLC0415

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state != ImportJob.State.FAILED:
        raise ValidationError(_("只有失败的后台导入可以重新导入。"))
    if not job.stored_path.is_file():
        raise ValidationError(_("上传的文件已不在服务器上，请重新上传。"))
    importing = job.failed_phase == ImportJob.State.IMPORTING
    job.state = ImportJob.State.IMPORTING if importing else ImportJob.State.CHECKING
    job.processed_rows = 0
    job.heartbeat_at = None
    job.failure = ""
    job.failed_phase = ""
    if not importing:
        job.report = {}
    job.save(update_fields=["state", "processed_rows", "heartbeat_at", "failure", "failed_phase", "report"])
    (run_import_job if importing else check_import_job).enqueue(job.pk)
    return job


# --------------------------------------------------------------------------- offline portal entries

OTHER_USER = "other_user"  # an answer that is never stored: the entry waits for its own doctor


def _answer(entry: OfflineEntry, user: User) -> dict[str, str]:
    if entry.user_id != user.pk:
        return {"status": OTHER_USER, "message": _("这条记录的编号已被其他账号使用，未保存。")}
    return {"status": entry.status, "message": entry.message}


def replay_offline_entry(
    *, user: User, entry_id: uuid.UUID, kind: str, made_by: int, params: dict[str, Any], fields: dict[str, Any]
) -> dict[str, str]:
    """Replay one entry queued on a doctor's phone, at most once per ``entry_id``.

    The first request inserts the ``OfflineEntry`` row (unique ``entry_id``) and runs the kind's replay
    (``core.offline``: the same form and service as the online page) in one transaction, then stores the answer:
    ``saved`` with its message, or ``refused`` with the Chinese reason (the replay's changes are rolled back).
    A retry — even one running at the same moment on PostgreSQL, whose insert waits on the unique index until the
    first commits — finds the row and gets the first answer; nothing is replayed twice. An entry made by another
    user than the one logged in is not replayed and not recorded (``other_user``): it waits for its own doctor.

    Not one ``@transaction.atomic`` around everything, unlike other services: the unique-index conflict must end
    the transaction before the first answer can be read."""

    if made_by != user.pk:
        return {"status": OTHER_USER, "message": _("这条记录是另一位医生录入的，只能由该医生登录后发送。")}
    existing = OfflineEntry.objects.filter(entry_id=entry_id).first()
    if existing is not None:
        return _answer(existing, user)
    replay = ENTRY_KINDS[kind].replay
    try:
        with transaction.atomic():
            entry = OfflineEntry.objects.create(
                entry_id=entry_id, user=user, kind=kind, status=OfflineEntry.Status.REFUSED
            )
            try:
                with transaction.atomic():
                    message = replay(user=user, params=params, fields=fields)
                status = OfflineEntry.Status.SAVED
            except ValidationError as exc:
                status, message = OfflineEntry.Status.REFUSED, joined_messages(exc)
            except PermissionDenied:
                status, message = OfflineEntry.Status.REFUSED, _("您的账号现在不能录入这项内容。")
            entry.status, entry.message = status, str(message)
            entry.save(update_fields=["status", "message"])
    except IntegrityError:
        return _answer(OfflineEntry.objects.get(entry_id=entry_id), user)
    return {"status": entry.status, "message": entry.message}
