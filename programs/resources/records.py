"""Import / export of service records (服务记录): the provincial public-health system's monthly export.

The import is the fast path of ``core.dataio`` (``fast_import``): rows are checked batch by batch with one query
per batch for clinics, doctors, residents and existing records, and written with ``bulk_create`` as long as no
row so far has an error (``run_import`` rolls the whole file back when any row has one, so the import stays
all-or-nothing while memory stays bounded by the batch). Every bad row is named by row and column.

Headers may be the county's own (``RecordColumnMapping``): they are renamed to ours before anything is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from import_export import fields

from clinics.models import Clinic
from clinics.selectors import clinics_for, get_scope
from core.dataio import ImportReport, RowIssue, StrictDateWidget, TextWidget, register
from core.forms import joined_messages
from core.validation import is_blank, parse_date
from doctors.models import VillageDoctor
from programs.models import RecordColumnMapping, ReportingPeriod, ServiceItem, ServiceRecord
from programs.selectors import records as record_selectors
from programs.selectors.periods import State
from programs.services import records as record_services
from residents.crypto import keyed_hash, mask_id_number
from residents.resources import LoggedResidentExport
from residents.validation import check_id_number

__all__ = ["ServiceRecordResource", "apply_mapping"]

BATCH = 5000
CLINIC, ITEM, DATE, ID_NUMBER, NAME, DOCTOR, NOTE = record_selectors.RECORD_COLUMNS
NAME_LENGTH: int = ServiceRecord._meta.get_field("resident_name").max_length or 50
NOTE_LENGTH: int = ServiceRecord._meta.get_field("note").max_length or 200


def apply_mapping(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """The file's headers with the county's names for our columns (``mapping``: ours → theirs) renamed to ours."""
    theirs = {str(their).strip(): ours for ours, their in mapping.items() if str(their).strip()}
    return [theirs.get(str(h or "").strip(), h) for h in headers]


@register
class ServiceRecordResource(LoggedResidentExport):
    """One row per service: clinic, item, date, the resident's ID number and name, the doctor, a note."""

    name = "service_records"
    scope_paths = {"clinic": "clinic"}
    import_permission = "programs.add_servicerecord"
    export_permission = "programs.view_servicerecord"
    background_threshold = 5000
    export_filters = {"clinic": "clinic_id", "item": "item_id"}
    # Exports carry masked numbers only, and each is logged.
    export_log_page = gettext_noop("服务记录导出（%(n)s 行）")

    clinic = fields.Field(attribute="clinic__code", column_name=CLINIC, widget=TextWidget(required=True))
    item = fields.Field(attribute="item__code", column_name=ITEM, widget=TextWidget(required=True))
    service_date = fields.Field(attribute="service_date", column_name=DATE, widget=StrictDateWidget(required=True))
    # Exports carry the masked number only: a whole ID number never leaves in a file.
    id_number = fields.Field(attribute="id_number_masked", column_name=ID_NUMBER, widget=TextWidget(required=True))
    resident_name = fields.Field(attribute="resident_name", column_name=NAME, widget=TextWidget(required=True))
    doctor = fields.Field(attribute="doctor__name", column_name=DOCTOR, widget=TextWidget())
    note = fields.Field(attribute="note", column_name=NOTE, widget=TextWidget())

    class Meta:
        model = ServiceRecord
        fields = ("clinic", "item", "service_date", "id_number", "resident_name", "doctor", "note")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("clinic", "item", "doctor")
            .order_by("-service_date", "clinic__code", "item__sort_order", "pk")
        )

    def header_aliases(self):
        aliases = super().header_aliases()
        aliases.update({"id_number_masked": ID_NUMBER, "clinic": CLINIC, "item": ITEM, "doctor": DOCTOR})
        return aliases

    def required_columns(self):
        return [CLINIC, ITEM, DATE, ID_NUMBER, NAME]

    # ------------------------------------------------------------------ headers: the county's column mapping

    def importer_county_id(self, dataset) -> int | None:
        """The importer's county; on the command line (no user), the one county of the file's clinics."""
        county_id = get_scope(self.user).county_id
        if county_id is not None or (self.user is not None and not self.user.is_superuser):
            return county_id
        candidates = {CLINIC, "clinic"}
        for columns in RecordColumnMapping.objects.values_list("columns", flat=True):
            if isinstance(columns, dict) and isinstance(columns.get(CLINIC), str):
                candidates.add(columns[CLINIC].strip())
        headers = [str(h or "").strip() for h in dataset.headers]
        index = next((i for i, h in enumerate(headers) if h in candidates), None)
        if index is None:
            return None
        codes = {str(row[index]).strip() for row in dataset._data if not is_blank(row[index])}
        counties = set(
            Clinic.objects.filter(code__in=codes).values_list("township__county_id", flat=True).distinct()[:2]
        )
        return counties.pop() if len(counties) == 1 else None

    def normalise_headers(self, dataset) -> None:
        mapping = record_selectors.mapping_for_county(self.importer_county_id(dataset))
        if mapping:
            dataset.headers = apply_mapping(list(dataset.headers), mapping)
        super().normalise_headers(dataset)

    # ------------------------------------------------------------------ the import

    def fast_import(self, dataset, *, dry_run: bool, progress=None) -> ImportReport:
        return _RecordImport(self, dataset, dry_run=dry_run, progress=progress).run()


_T = TypeVar("_T")
# What the import accepts but tells: one warning per column for all its rows (a county's file has thousands).
NOTES = {
    ID_NUMBER: gettext_noop("%(n)s 行的身份证号不在居民花名册中：已导入，标记为“未匹配居民”。"),
    DOCTOR: gettext_noop("%(n)s 行的医生姓名不是该卫生室的乡村医生：服务医生留空。"),
}
CLINIC_MISSING = gettext_noop("找不到编码为“%(code)s”的村卫生室，或您无权操作")
ITEM_MISSING = gettext_noop("找不到编码为“%(code)s”的服务项目")


def _text(cell: object) -> str:
    """A cell as stripped text ("" when blank); a whole number from Excel keeps no ".0"."""
    if is_blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


# The columns write_records fills, in the order of its tuples.
COPY_FIELDS = (
    "clinic",
    "item",
    "service_date",
    "resident",
    "resident_name",
    "id_number_hash",
    "id_number_masked",
    "doctor",
    "note",
    "source",
    "created_by",
    "created_at",
)

_FIELDS = {f.name: f for f in ServiceRecord._meta.concrete_fields}


def write_records(rows: list[tuple]) -> None:
    """Insert records given as tuples of COPY_FIELDS. On PostgreSQL a ``COPY`` (in the import's transaction: the
    constraints and indexes still apply, a duplicate still fails the whole file); elsewhere ``bulk_create``."""
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(_FIELDS[f].column) for f in COPY_FIELDS)
        table = connection.ops.quote_name(ServiceRecord._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    names = [_FIELDS[f].attname for f in COPY_FIELDS]
    ServiceRecord.objects.bulk_create(
        (ServiceRecord(**dict(zip(names, row, strict=True))) for row in rows), batch_size=BATCH
    )


class _Parsed(NamedTuple):
    number: int
    clinic_id: int
    township_id: int
    item_id: int
    item_name: str
    day: date
    digest: str
    masked: str
    name: str
    doctor: str | None
    note: str


class _RecordImport:
    """One import of a file of records: the lookups it has made so far and the keys it has seen."""

    def __init__(self, resource: ServiceRecordResource, dataset, *, dry_run: bool, progress):
        self.resource, self.dataset, self.dry_run, self.progress = resource, dataset, dry_run, progress
        self.user = resource.user
        self.report = ImportReport(resource=resource.name)
        self.today = timezone.localdate()
        headers = list(dataset.headers)
        self.col = {
            name: (headers.index(name) if name in headers else None) for name in record_selectors.RECORD_COLUMNS
        }
        self.clinics_qs = clinics_for(self.user) if self.user is not None else Clinic.objects.all()
        # code → (id, township id, opened on); None: not found or outside the importer's scope
        self.clinics: dict[str, tuple[int, int, date | None] | None] = {}
        self.items = {
            i.code: (i.pk, i.name) for i in ServiceItem.objects.filter(active=True).only("pk", "code", "name")
        }
        self.doctors: dict[int, dict[str, int]] = {}  # clinic id → doctor name → doctor id
        self.states: dict[tuple[int, int], dict[int, str]] = {}  # (township, year) → month → state
        self.dates: dict[object, date | str] = {}
        self.identities: dict[object, tuple[str, str] | str] = {}  # cell → date, or the error message
        self.months: dict[tuple[int, int], str | None] = {}  # (year, month) → error message or None
        # (hash prefix, item id, day) packed into one int → first row: 64 bits of the hash keep a million keys apart
        self.seen: dict[int, int] = {}
        self.noted: dict[str, tuple[int, int]] = {}  # column of NOTES → (rows, first row)
        self.user_pk = getattr(self.user, "pk", None)
        self.now = timezone.now()

    def find(self, number: int, column: str, code: str, table: Mapping[str, _T | None], missing: str) -> _T | None:
        """The row's clinic or item by its code, or None with the row's error."""
        if not code:
            self.error(number, column, _("不能为空"))
            return None
        found = table.get(code)
        if found is None:
            self.error(number, column, _(missing) % {"code": code})
        return found

    def note(self, column: str, row: int) -> None:
        count, first = self.noted.get(column, (0, row))
        self.noted[column] = (count + 1, first)

    def error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowIssue(row=row, column=column, message=message))

    def run(self) -> ImportReport:
        data = self.dataset._data
        total = len(data)
        for start in range(0, total, BATCH):
            self.batch(data[start : start + BATCH], first_row=start + 2)
            if self.progress:
                self.progress(min(start + BATCH, total))
        report = self.report
        report.errors.sort(key=lambda e: e.row)
        for column, (count, first) in self.noted.items():
            message = _(NOTES[column]) % {"n": count}
            report.warnings.append(RowIssue(row=first, column=column, level="warning", message=message))
        return report

    # -- lookups, one query per batch each

    def load_clinics(self, codes: set[str]) -> None:
        missing = codes - self.clinics.keys()
        if not missing:
            return
        for pk, code, township_id, opened_on in self.clinics_qs.filter(code__in=missing).values_list(
            "pk", "code", "township_id", "opened_on"
        ):
            self.clinics[code] = (pk, township_id, opened_on)
        for code in missing:
            self.clinics.setdefault(code, None)
        new_ids = [self.clinics[c][0] for c in missing if self.clinics[c] is not None]  # type: ignore[index]
        if new_ids:
            for clinic_id in new_ids:
                self.doctors[clinic_id] = {}
            for pk, clinic_id, name in VillageDoctor.objects.filter(clinic_id__in=new_ids).values_list(
                "pk", "clinic_id", "name"
            ):
                self.doctors[clinic_id].setdefault(name.strip(), pk)

    def load_states(self, keys: set[tuple[int, int]]) -> None:
        missing = keys - self.states.keys()
        if not missing:
            return
        for key in missing:
            self.states[key] = {}
        townships = {t for t, _y in missing}
        years = {y for _t, y in missing}
        for township_id, year, month, state in (
            ReportingPeriod.objects.filter(township_id__in=townships, year__in=years)
            .exclude(state=State.OPEN)
            .values_list("township_id", "year", "month", "state")
        ):
            if (township_id, year) in missing:
                self.states[(township_id, year)][month] = state

    def parse_day(self, value: object) -> date | str:
        key = value if isinstance(value, str) else repr(value)
        day = self.dates.get(key)
        if day is None:
            try:
                parsed = parse_date(value, required=True)
                day = parsed
                self.month_error(parsed)
            except ValidationError as exc:
                day = joined_messages(exc)
            if len(self.dates) < 100_000:
                self.dates[key] = day
        return day

    def identity(self, cell: object) -> tuple[str, str] | str:
        """(keyed hash, masked number) of an ID number cell, or the error message. A resident served several times
        in a file is checked and hashed once (the cache is bounded)."""
        key = cell if isinstance(cell, str) else repr(cell)
        found = self.identities.get(key)
        if found is None:
            try:
                number = check_id_number(cell, today=self.today).number
                found = (keyed_hash(number), mask_id_number(number))
            except ValidationError as exc:
                found = joined_messages(exc)
            if len(self.identities) >= 200_000:
                self.identities.clear()
            self.identities[key] = found
        return found

    def month_error(self, day: date) -> str | None:
        key = (day.year, day.month)
        if key not in self.months:
            try:
                record_services.check_report_month(year=day.year, month=day.month, today=self.today)
                self.months[key] = None
            except ValidationError as exc:
                self.months[key] = joined_messages(exc)
        return self.months[key]

    # -- one batch

    def batch(self, rows, *, first_row: int) -> None:
        col = self.col
        c_clinic, c_item, c_date, c_id, c_name = col[CLINIC], col[ITEM], col[DATE], col[ID_NUMBER], col[NAME]
        c_doctor, c_note = col[DOCTOR], col[NOTE]
        codes = set()
        for row in rows:
            cell = row._row[c_clinic]
            if not is_blank(cell):
                codes.add(str(cell).strip())
        self.load_clinics(codes)
        today, items, clinics, error = self.today, self.items, self.clinics, self.error
        parsed: list[_Parsed] = []
        township_years = set()
        for offset, row in enumerate(rows):
            number = first_row + offset
            cells = row._row
            clinic = self.find(number, CLINIC, _text(cells[c_clinic]), clinics, CLINIC_MISSING)
            item = self.find(number, ITEM, _text(cells[c_item]), items, ITEM_MISSING)
            bad = clinic is None or item is None
            parsed_day = self.parse_day(cells[c_date])
            day: date | None = None
            if isinstance(parsed_day, str):
                error(number, DATE, parsed_day)
                bad = True
            else:
                day = parsed_day
                problem = self.months[(day.year, day.month)]
                if problem is None and day > today:
                    problem = _("服务日期不能晚于今天。")
                if problem is None and clinic is not None and clinic[2] is not None and day < clinic[2]:
                    problem = _("服务日期早于该卫生室的开办日期（%(d)s）。") % {"d": clinic[2].isoformat()}
                if problem:
                    error(number, DATE, problem)
                    bad = True
            identity = self.identity(cells[c_id])
            if isinstance(identity, str):
                error(number, ID_NUMBER, identity)
                bad = True
            name = _text(cells[c_name])
            if not name:
                error(number, NAME, _("不能为空"))
                bad = True
            elif len(name) > NAME_LENGTH:
                error(number, NAME, _("不能超过 %(n)s 个字") % {"n": NAME_LENGTH})
                bad = True
            note = "" if c_note is None or is_blank(cells[c_note]) else str(cells[c_note]).strip()
            if len(note) > NOTE_LENGTH:
                error(number, NOTE, _("不能超过 %(n)s 个字") % {"n": NOTE_LENGTH})
                bad = True
            if bad or clinic is None or item is None or day is None or isinstance(identity, str):
                continue
            doctor = None if c_doctor is None or is_blank(cells[c_doctor]) else str(cells[c_doctor]).strip()
            parsed.append(_Parsed(number, clinic[0], clinic[1], item[0], item[1], day, *identity, name, doctor, note))
            township_years.add((clinic[1], day.year))
        self.load_states(township_years)

        # Hashes, duplicates within the file, the period's state.
        seen = self.seen
        keyed: list[tuple[_Parsed, str]] = []
        for entry in parsed:
            day = entry.day
            state = self.states[(entry.township_id, day.year)].get(day.month)
            if state is not None:
                error(entry.number, DATE, record_services.period_message(on=day, state=state) or "")
                continue
            digest = entry.digest
            key = (int(digest[:16], 16) << 40) | (entry.item_id << 20) | day.toordinal()
            first = seen.setdefault(key, entry.number)
            if first != entry.number:
                error(entry.number, ID_NUMBER, _("与第 %(row)s 行重复（同一居民同一天同一项目）") % {"row": first})
                continue
            keyed.append((entry, digest))
        if not keyed:
            return
        hashes = {digest for _entry, digest in keyed}
        existing = set(
            ServiceRecord.objects.filter(id_number_hash__in=hashes).values_list(
                "id_number_hash", "item_id", "service_date"
            )
        )
        residents = record_selectors.resident_ids_by_hash(hashes)
        records = []
        for entry, digest in keyed:
            number = entry.number
            if (digest, entry.item_id, entry.day) in existing:
                error(
                    number,
                    ID_NUMBER,
                    record_services.duplicate_message(name=entry.name, item=entry.item_name, on=entry.day),
                )
                continue
            resident_id = residents.get(digest)
            if resident_id is None:
                self.note(ID_NUMBER, number)
            doctor_id = None
            if entry.doctor:
                doctor_id = self.doctors.get(entry.clinic_id, {}).get(entry.doctor)
                if doctor_id is None:
                    self.note(DOCTOR, number)
            records.append(
                (
                    entry.clinic_id,
                    entry.item_id,
                    entry.day,
                    resident_id,
                    entry.name,
                    digest,
                    entry.masked,
                    doctor_id,
                    entry.note,
                    ServiceRecord.Source.IMPORT.value,
                    self.user_pk,
                    self.now,
                )
            )
        self.report.new += len(records)
        # Written while the file is clean so far; run_import rolls everything back if a later row is bad.
        if records and not self.dry_run and not self.report.errors:
            write_records(records)
