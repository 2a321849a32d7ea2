"""The change history (修改记录) of every model that carries money, counts, scores, licences, policies,
settlements, advances, samples, residents and service records — one mechanism, django-auditlog.

- ``register(Model, clinic=..., township=..., county=..., parent=...)`` (from each app's ``ready()``) audits a
  model: every save and delete through the ORM writes one ``AuditEntry`` with the fields changed, before and after.
  The paths say how an entry finds its place (stored on the entry, so lists are scoped in SQL) and, for the
  rows of a form (a report's lines, an assessment's entries), the object whose page shows their history.
- Who, why and through what come from ``core.audit`` (the request, ``action(reason=..., source=...)``).
- ``record_bulk_update`` / ``record_bulk_create``: the history of rows written by ``bulk_update`` /
  ``bulk_create`` / ``update()``, which send no signals (the fast Excel import).
- ``actions_for(obj, user)`` / ``describe(entries)``: the history as people read it — one action (a verification,
  an import) with each object's changed fields by their Chinese names, choices by their labels, foreign keys by
  their names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, models, router
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import selectors
from clinics.models import ENTRY_FILLERS, AuditEntry, Clinic, Township
from core import audit as context
from core.versioning import VERSION_FIELDS, Versioned

MASK = "****"
NONE_SHOWN = "—"


@dataclass(frozen=True)
class Audited:
    model: type[models.Model]
    clinic: str | None = None  # attribute path from the object to its clinic ("report__clinic"; "" = itself)
    township: str | None = None
    county: str | None = None
    parent: str | None = None  # the object whose page shows this one's history ("report")
    masked: tuple[str, ...] = ()


AUDITED: dict[type[models.Model], Audited] = {}


def register(
    model: type[models.Model],
    *,
    clinic: str | None = None,
    township: str | None = None,
    county: str | None = None,
    parent: str | None = None,
    exclude: Sequence[str] = (),
    masked: Sequence[str] = (),
) -> None:
    """Audit ``model`` (call from the owning app's ``ready()``); give the path to its clinic, township or county."""
    if model in AUDITED:
        return
    if issubclass(model, Versioned):
        # The entry itself says who changed the object and when; the version number is bookkeeping for the
        # lost-update check (core.versioning), not a change anyone made.
        exclude = (*exclude, *VERSION_FIELDS)
    auditlog.register(model, exclude_fields=list(exclude), mask_fields=list(masked))
    AUDITED[model] = Audited(model, clinic, township, county, parent, tuple(masked))


def _place_name(entry: AuditEntry, place: str) -> str:
    """The name of an entry's clinic or township; "" when it has none or it was deleted since (the entry keeps
    the id: its place columns have no database constraint)."""
    try:
        obj = getattr(entry, place)
    except ObjectDoesNotExist:
        return ""
    return str(obj) if obj is not None else ""


def _walk(obj: Any, path: str) -> Any:
    """The id at the end of an attribute path: "report__clinic" → obj.report.clinic_id; "" → obj.pk."""
    if not path:
        return obj.pk
    *through, last = path.split("__")
    for name in through:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


_places: dict[tuple[str, int], tuple[int | None, int | None]] = {}
_places_cid: list[str | None] = [None]


def _place_of(kind: str, pk: int) -> tuple[int | None, int | None]:
    """(township id, county id) of a clinic, or (None, county id) of a township; cached for one action."""
    cid = context.current_cid()
    if _places_cid[0] != cid or cid is None:
        _places.clear()
        _places_cid[0] = cid
    key = (kind, pk)
    if key not in _places:
        row: tuple[int | None, int | None] | None
        if kind == "clinic":
            row = Clinic.objects.filter(pk=pk).values_list("township_id", "township__county_id").first()
        else:
            county = Township.objects.filter(pk=pk).values_list("county_id", flat=True).first()
            row = (None, county) if county else None
        _places[key] = row or (None, None)
    return _places[key]


def place_of(obj: models.Model) -> dict[str, Any]:
    """The entry columns for an audited object: clinic, township and county ids, and the parent object."""
    spec = AUDITED.get(type(obj)) or AUDITED.get(obj._meta.concrete_model)  # type: ignore[arg-type]
    place: dict[str, Any] = {}
    if spec is None:
        return place
    clinic_id = township_id = county_id = None
    # The narrowest place the object has (a settlement run of one township, else of its county).
    if spec.clinic is not None:
        clinic_id = _walk(obj, spec.clinic)
        if isinstance(obj, Clinic):  # read from the object: after its deletion the database has no row for it
            township_id = obj.township_id
            county_id = _place_of("township", township_id)[1]
        elif clinic_id is not None:
            township_id, county_id = _place_of("clinic", clinic_id)
    if clinic_id is None and spec.township is not None:
        township_id = _walk(obj, spec.township)
        if isinstance(obj, Township):
            county_id = obj.county_id
        elif township_id is not None:
            county_id = _place_of("township", township_id)[1]
    if county_id is None and spec.county is not None:
        county_id = _walk(obj, spec.county)
    place.update(clinic_id=clinic_id, township_id=township_id, county_id=county_id)
    if spec.parent:
        *through, last = spec.parent.split("__")
        holder: Any = obj
        for name in through:
            holder = getattr(holder, name, None)
        field_ = holder._meta.get_field(last) if holder is not None else None
        parent_id = getattr(holder, f"{last}_id", None) if holder is not None else None
        if field_ is not None and parent_id is not None:
            place["parent_type"] = ContentType.objects.get_for_model(field_.related_model)
            place["parent_id"] = parent_id
    return place


def _context_columns() -> dict[str, Any]:
    current = context.current()
    if current is None:
        return {}
    actor = current.actor()
    columns: dict[str, Any] = {"reason": current.reason, "source": current.source, "cid": current.cid}
    if actor is not None:
        columns.update(actor=actor, actor_email=getattr(actor, "email", None) or None)
    return columns


def _fill(instance: models.Model, kwargs: dict[str, Any]) -> None:
    """``AuditEntry.objects.log_create``: the entry's place, user, reason and source."""
    for key, value in {**_context_columns(), **place_of(instance)}.items():
        kwargs.setdefault(key, value)


ENTRY_FILLERS.append(_fill)


def _stored(value: Any) -> str:
    """A value as django-auditlog stores it (text; None as "None")."""
    if isinstance(value, datetime):
        value = timezone.make_naive(value, UTC) if timezone.is_aware(value) else value
    return smart_str(value)


Label = Callable[[Any], str]


def _entry(
    obj: models.Model,
    action: int,
    changes: dict[str, list[str]],
    ct: ContentType,
    label: Label | None,
    context_columns: dict[str, Any],
) -> dict[str, Any]:
    """The columns of one entry (by attribute name) for ``_insert``."""
    columns = {**context_columns, **place_of(obj)}
    actor = columns.pop("actor", None)
    parent_type = columns.pop("parent_type", None)
    return {
        **columns,
        "content_type_id": ct.pk,
        "object_pk": str(obj.pk),
        "object_id": obj.pk if isinstance(obj.pk, int) else None,
        "object_repr": label(obj) if label else smart_str(obj),
        "action": action,
        "changes": changes,
        "actor_id": actor.pk if actor is not None else None,
        "parent_type_id": parent_type.pk if parent_type is not None else None,
    }


def _insert(rows: list[dict[str, Any]]) -> int:
    """Many entries in one ``executemany`` (the fast import writes one per line: the ORM's bulk_create spent
    more time building its statements than the import on everything else)."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(AuditEntry)]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    timestamp = AuditEntry._meta.get_field("timestamp").get_db_prep_save(timezone.now(), connection)
    defaults = {"timestamp": timestamp, "changes_text": "", "reason": "", "source": ""}
    # Only the JSON columns need converting (ids, text and numbers go as they are; the time is the same for all).
    json_fields = {f.attname: f for f in fields if isinstance(f, models.JSONField)}
    params = []
    for row in rows:
        values = []
        for f in fields:
            value = row.get(f.attname, defaults.get(f.attname))
            if f.attname in json_fields and value is not None:
                value = json_fields[f.attname].get_db_prep_save(value, connection)
            values.append(value)
        params.append(values)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(params), 2000):
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params[start : start + 2000])
    return len(rows)


def record_bulk_update(
    model: type[models.Model],
    rows: Iterable[tuple[models.Model, dict[str, tuple[Any, Any]]]],
    *,
    label: Label | None = None,
) -> int:
    """History for rows changed without ``save()`` (``bulk_update``, ``update()``): (object, {field: (before,
    after)}) each. The objects need what their place path reads (e.g. a line's ``report``); ``label`` names an
    object without the queries its ``str`` would make."""
    ct = ContentType.objects.get_for_model(model)
    context_columns = _context_columns()
    return _insert(
        [
            _entry(
                obj,
                AuditEntry.Action.UPDATE,
                {name: [_stored(b), _stored(a)] for name, (b, a) in diff.items()},
                ct,
                label,
                context_columns,
            )
            for obj, diff in rows
            if diff
        ]
    )


def _attname(model: type[models.Model], name: str) -> str:
    found = model._meta.get_field(name)
    return found.attname if isinstance(found, models.Field) else name


def record_bulk_create(
    model: type[models.Model], objs: Iterable[models.Model], fields: Sequence[str], *, label: Label | None = None
) -> int:
    """History for rows created by ``bulk_create`` (they need their pk: RETURNING, or read back)."""
    ct = ContentType.objects.get_for_model(model)
    attnames = [(name, _attname(model, name)) for name in fields]
    context_columns = _context_columns()
    return _insert(
        [
            _entry(
                obj,
                AuditEntry.Action.CREATE,
                {name: ["None", _stored(getattr(obj, attname))] for name, attname in attnames},
                ct,
                label,
                context_columns,
            )
            for obj in objs
        ]
    )


# ---- reading -------------------------------------------------------------------------------------------------

ACTION_LABELS = {
    AuditEntry.Action.CREATE: gettext_lazy("新建"),
    AuditEntry.Action.UPDATE: gettext_lazy("修改"),
    AuditEntry.Action.DELETE: gettext_lazy("删除"),
    AuditEntry.Action.ACCESS: gettext_lazy("查看"),
}


@dataclass
class FieldChange:
    name: str  # the field's name in code
    label: str  # its verbose name
    before: str
    after: str


@dataclass
class EntryView:
    entry: AuditEntry
    kind: str  # the model's verbose name
    label: str  # the object's str at the time (shortened within its action: "高血压患者随访", not the whole report's)
    action: str
    changes: list[FieldChange]

    @property
    def created(self) -> bool:
        return self.entry.action == AuditEntry.Action.CREATE

    @property
    def summary(self) -> str:
        """A new object's values in one line ("县：青山县；年度：2026；…")."""
        return "；".join(f"{c.label}：{c.after}" for c in self.changes if c.after != NONE_SHOWN)


@dataclass
class ActionView:
    """One action (a request, an import, a job): its entries share the user, the time and the reason."""

    cid: str | None
    timestamp: datetime
    actor: str
    reason: str
    source: str
    entries: list[EntryView] = field(default_factory=list)

    @property
    def place(self) -> str:
        """Where the action's changes are: the clinics (or townships) of its entries."""
        names: list[str] = []
        for view in self.entries:
            entry = view.entry
            name = _place_name(entry, "clinic") or _place_name(entry, "township")
            if name and name not in names:
                names.append(name)
        return "、".join(names[:5]) + ("…" if len(names) > 5 else "")


def person(user: Any) -> str:
    if user is None:
        return _("系统（命令行或后台任务）")
    full = (user.get_full_name() or "").strip()
    return f"{full}（{user.username}）" if full else user.username


def _field_of(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except Exception:  # a field removed since the entry was written: shown by its name
        return None
    return found if isinstance(found, models.Field) and not found.primary_key else None


def _is_hidden(model: type[models.Model] | None, name: str) -> bool:
    """The id and reverse relations (a policy's "items"), which django-auditlog also lists: nothing to read."""
    if model is None:
        return False
    if name == "id":
        return True
    try:
        model._meta.get_field(name)
    except Exception:  # not a field (an old entry's label): shown
        return False
    return True  # a relation that is not a column


def _local_datetime(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _shown(model_field: models.Field | None, value: Any, related: dict[tuple[Any, str], str]) -> str:
    if value is None or value == "None" or value == "":
        return NONE_SHOWN
    value = str(value)
    if model_field is None:
        return value
    if model_field.is_relation and model_field.related_model is not None:
        return related.get((model_field.related_model, value), value)
    if model_field.choices:
        labels = {str(k): str(v) for k, v in model_field.flatchoices}
        return labels.get(value, value)
    if isinstance(model_field, models.BooleanField):
        return {"True": _("是"), "False": _("否")}.get(value, value)
    if isinstance(model_field, models.DateTimeField):
        return _local_datetime(value)
    return value


def describe(entries: Sequence[AuditEntry]) -> list[ActionView]:
    """Entries (newest first, ``actor`` and ``content_type`` selected) grouped into actions, ready to show.
    Foreign-key values are read with one query per related model."""
    wanted: dict[Any, set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            model_field = _field_of(model, name)
            if model_field is not None and model_field.is_relation and model_field.related_model is not None:
                for value in values:
                    if value not in (None, "None", ""):
                        wanted[model_field.related_model].add(str(value))
    related: dict[tuple[Any, str], str] = {}
    for model, pks in wanted.items():
        pk_field = model._meta.pk
        valid = []
        for pk in pks:
            try:
                valid.append(pk_field.to_python(pk))
            except Exception:  # not a pk of that model: shown as stored
                continue
        is_user = model is get_user_model()
        for obj in model._default_manager.filter(pk__in=valid):
            related[(model, str(obj.pk))] = person(obj) if is_user else str(obj)
    actions: list[ActionView] = []
    by_cid: dict[str, ActionView] = {}
    for entry in entries:
        model = entry.content_type.model_class()
        spec = AUDITED.get(model) if model else None
        changes = []
        for name, values in (entry.changes or {}).items():
            model_field = _field_of(model, name)
            if model_field is None and _is_hidden(model, name):
                continue
            before, after = [*values, None, None][:2] if isinstance(values, list) else (None, values)
            if spec and name in spec.masked:
                before_shown, after_shown = MASK, MASK
            else:
                before_shown, after_shown = _shown(model_field, before, related), _shown(model_field, after, related)
            if before_shown == after_shown:
                continue
            label = str(model_field.verbose_name) if model_field is not None else name
            changes.append(FieldChange(name, label, before_shown, after_shown))
        view = EntryView(
            entry=entry,
            kind=str(model._meta.verbose_name) if model else entry.content_type.model,
            label=entry.object_repr,
            action=str(ACTION_LABELS.get(entry.action, entry.action)),
            changes=changes,
        )
        # Entries written outside any action (a script) are grouped by user and second.
        key = entry.cid or f"{entry.actor_id}|{entry.source}|{entry.reason}|{entry.timestamp:%Y%m%d%H%M%S}"
        group = by_cid.get(key)
        if group is None:
            group = ActionView(
                cid=entry.cid,
                timestamp=entry.timestamp,
                actor=person(entry.actor),
                reason=entry.reason,
                source=entry.source,
            )
            actions.append(group)
            by_cid[key] = group
        group.reason = group.reason or entry.reason
        group.source = group.source or entry.source
        group.entries.append(view)
    for group in actions:
        group.entries.reverse()  # in the order they were made, the page's own object first (a report, then lines)
        group.entries.sort(key=lambda view: view.entry.parent_id is not None)
        _shorten_labels(group.entries)
    return actions


def _shorten_labels(views: list[EntryView]) -> None:
    """Within one action, a row of an object named in it too loses that name: "张庄村卫生室 2026年3月 高血压患者随访"
    under "张庄村卫生室 2026年3月" is shown as "高血压患者随访"."""
    names = sorted({view.label for view in views}, key=len)
    for view in views:
        for name in names:
            if len(name) < len(view.label) and view.label.startswith(name + " "):
                view.label = view.label[len(name) + 1 :]
                break


def _of_object(entries: models.QuerySet[AuditEntry], model: type[models.Model], pk: int) -> models.QuerySet[AuditEntry]:
    ct = ContentType.objects.get_for_model(model)
    own = models.Q(content_type=ct, object_id=pk) | models.Q(parent_type=ct, parent_id=pk)
    return entries.filter(own).select_related("actor", "content_type").order_by("-timestamp", "-pk")


def entries_for(obj: models.Model, user: selectors.AnyUser) -> models.QuerySet[AuditEntry]:
    """The entries of one object and of the rows shown on its page (its parent's children), in the user's scope."""
    return _of_object(selectors.audit_entries_for(user), type(obj), obj.pk)


def entries_of_trusted(model: type[models.Model], pk: int) -> models.QuerySet[AuditEntry]:
    """The same for the command line (``audit_log``: no scope; the object may have been deleted since)."""
    return _of_object(AuditEntry.objects.all(), model, pk)


def actions_for(obj: models.Model, user: selectors.AnyUser, *, limit: int = 200) -> list[ActionView]:
    """The history panel of an object's page: its actions, newest first."""
    return describe(list(entries_for(obj, user)[:limit]))


def actions_if_audited(obj: models.Model, user: selectors.AnyUser) -> list[ActionView] | None:
    """``core.audit.history_for``: the panel of an audited object, None for any other."""
    if type(obj) not in AUDITED:
        return None
    return actions_for(obj, user)


context.register_history_reader(actions_if_audited)


def audited_model_choices() -> list[tuple[str, str]]:
    """The audited models for a filter: ("app_label.model", verbose name), by name."""
    return sorted(
        ((model._meta.label_lower, str(model._meta.verbose_name)) for model in AUDITED),
        key=lambda choice: choice[1],
    )


def search(
    user: selectors.AnyUser,
    *,
    actor: str = "",
    since: Any = None,
    until: Any = None,
    model: str = "",
    township_id: int | None = None,
    clinic_id: int | None = None,
) -> models.QuerySet[AuditEntry]:
    """The county audit page's entries (newest first) in the user's scope, narrowed by the filters."""
    entries = selectors.audit_entries_for(user)
    if actor:
        entries = entries.filter(
            models.Q(actor__username__icontains=actor)
            | models.Q(actor__first_name__icontains=actor)
            | models.Q(actor__last_name__icontains=actor)
        )
    if since:
        entries = entries.filter(timestamp__date__gte=since)
    if until:
        entries = entries.filter(timestamp__date__lte=until)
    if model:
        app_label, _dot, name = model.partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=name)
    if township_id:
        entries = entries.filter(township_id=township_id)
    if clinic_id:
        entries = entries.filter(clinic_id=clinic_id)
    return entries.select_related("actor", "content_type", "clinic", "township").order_by("-timestamp", "-pk")


EXPORT_HEADINGS = (
    gettext_lazy("时间"),
    gettext_lazy("操作人"),
    gettext_lazy("乡镇"),
    gettext_lazy("村卫生室"),
    gettext_lazy("数据类别"),
    gettext_lazy("对象"),
    gettext_lazy("操作"),
    gettext_lazy("字段"),
    gettext_lazy("修改前"),
    gettext_lazy("修改后"),
    gettext_lazy("原因"),
    gettext_lazy("来源"),
)


def export_rows(entries: Sequence[AuditEntry]) -> Iterable[list[Any]]:
    """One row per changed field (an entry without fields: one row), for ``core.spreadsheets``."""
    for action in describe(entries):
        for view in action.entries:
            entry = view.entry
            head = [
                timezone.localtime(entry.timestamp),
                action.actor,
                _place_name(entry, "township"),
                _place_name(entry, "clinic"),
                view.kind,
                view.label,
                view.action,
            ]
            tail = [entry.reason or action.reason, entry.source or action.source]
            if not view.changes:
                yield [*head, "", "", "", *tail]
            for change in view.changes:
                yield [*head, change.label, change.before, change.after, *tail]
