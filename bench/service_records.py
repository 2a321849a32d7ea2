"""Benchmark: import service records (服务记录) from the provincial system's CSV through the command's code path.

Run from the project root on PostgreSQL (the target's database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_records .venv/bin/python bench/service_records.py [--rows N]
Without DATABASE_URL it uses bench/out/bench-records.sqlite3 (no COPY baseline then).

Figures (the last line is a JSON object):
- records_per_s: core.dataio.run_import("service_records", ...) — what ``import_data service_records FILE``
  calls: read the file (parse child), check every row (ID number, register match by keyed hash, clinic in scope,
  item, whole date, period state, duplicates in the file and in the database), all-or-nothing batched writes.
- ratio_to_baseline: our seconds ÷ the seconds of a raw PostgreSQL ``COPY`` of the same CSV into an unindexed
  temporary table (no checks, no hashing, no indexes): how many times the baseline our import takes.
- peak_rss_mb: this process's peak resident memory (the parse child's is reported apart).
Targets: ≥ 50,000 records/s for 1,000,000 rows, peak RSS < 500 MB.
"""

import argparse
import csv
import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench-records.sqlite3'}")
# A county's year of records is a large CSV: the bench lifts the upload size limit, not the row limit.
os.environ.setdefault("IMPORT_MAX_FILE_SIZE", str(1024 * 1024 * 1024))

HEADERS = ["卫生室编码", "项目编码", "服务日期", "身份证号", "居民姓名", "医生姓名", "备注"]
RECORDS_PER_RESIDENT = 4
CLINICS = 200
REGISTER_SHARE = 2  # one resident in REGISTER_SHARE is on the register (the others import unmatched)


def id_number(k: int) -> str:
    from residents.validation import check_digit

    birth = date(1940, 1, 1) + timedelta(days=k // 1000)
    first = f"320102{birth:%Y%m%d}{k % 1000:03d}"
    return first + check_digit(first)


DRAW_MONTH = 3


def draw_month_samples(county, *, year: int, month: int) -> dict:
    """The whole county's verification sample of one month, drawn as the 抽取本月样本 button does (every clinic
    and item with records and a submitted report line), timed: "sample_draw_s"."""
    from django.db.models import Count

    from programs.models import (
        SampleEntry,
        ServiceRecord,
        ServiceReport,
        ServiceReportLine,
        VerificationSample,
    )
    from programs.services import sampling

    SampleEntry.objects.filter(sample__year=year, sample__month=month).delete()
    VerificationSample.objects.filter(year=year, month=month).delete()
    ServiceReport.objects.filter(clinic__township__county=county, year=year, month=month).delete()
    counts = (
        ServiceRecord.objects.filter(
            clinic__township__county=county, service_date__year=year, service_date__month=month
        )
        .values("clinic_id", "item_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_clinic: dict[int, list[tuple[int, int]]] = {}
    for row in counts:
        by_clinic.setdefault(row["clinic_id"], []).append((row["item_id"], row["n"]))
    reports = ServiceReport.objects.bulk_create(
        ServiceReport(clinic_id=c, year=year, month=month, status=ServiceReport.Status.SUBMITTED) for c in by_clinic
    )
    ServiceReportLine.objects.bulk_create(
        ServiceReportLine(report=r, item_id=item_id, declared_count=n)
        for r in reports
        for item_id, n in by_clinic[r.clinic_id]
    )
    records = sum(n for rows in by_clinic.values() for _i, n in rows)
    started = time.perf_counter()
    drawn = sampling.draw_samples(user=None, year=year, month=month, county=county.pk, seed=20261202)
    seconds = time.perf_counter() - started
    print(
        f"sample draw: {len(by_clinic)} clinics, {records} records of {year}-{month:02d} → {len(drawn)} samples "
        f"in {seconds:.2f} s (target: a whole county's month under 2 s)"
    )
    return {"sample_draw_s": round(seconds, 2), "samples_drawn": len(drawn), "month_records": records}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    sqlite = os.environ["DATABASE_URL"].startswith("sqlite")
    if sqlite and (OUT / "bench-records.sqlite3").exists():
        (OUT / "bench-records.sqlite3").unlink()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.common import bench_clinics
    from core import dataio
    from programs.models import SampleEntry, ServiceItem, ServiceRecord, VerificationSample
    from residents.crypto import keyed_hash, mask_id_number
    from residents.models import Resident

    print(f"database: {connection.vendor}")
    # A clean slate on PostgreSQL too (the samples of an earlier run point at its records).
    SampleEntry.objects.all()._raw_delete(SampleEntry.objects.db)
    VerificationSample.objects.all()._raw_delete(VerificationSample.objects.db)
    ServiceRecord.objects.all()._raw_delete(ServiceRecord.objects.db)
    county, _township = bench_clinics(CLINICS)
    items = [i.code for i in ServiceItem.objects.filter(active=True).order_by("sort_order")]
    residents = -(-args.rows // RECORDS_PER_RESIDENT)

    # The register: every REGISTER_SHARE-th resident (encryption is not what is measured: a placeholder).
    started = time.perf_counter()
    Resident.objects.filter(name__startswith="基准").delete()
    Resident.objects.bulk_create(
        (
            Resident(
                name=f"基准{k}",
                id_number_hash=keyed_hash(id_number(k)),
                id_number_encrypted="-",
                id_number_masked=mask_id_number(id_number(k)),
                sex="M",
                birth_date=date(1960, 1, 1),
            )
            for k in range(0, residents, REGISTER_SHARE)
        ),
        batch_size=5000,
    )
    print(f"register: {residents // REGISTER_SHARE} residents in {time.perf_counter() - started:.1f} s")

    path = OUT / f"service-records-{args.rows}.csv"
    started = time.perf_counter()
    first_day = date(2026, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(args.rows):
            k, visit = divmod(n, RECORDS_PER_RESIDENT)
            day = first_day + timedelta(days=(k * 7 + visit * 53) % 330)
            writer.writerow(
                [
                    f"BC{k % CLINICS:05d}",
                    items[(k + visit) % len(items)],
                    day.isoformat(),
                    id_number(k),
                    f"居民{k}",
                    "",
                    "",
                ]
            )
    print(
        f"generated {args.rows} rows in {time.perf_counter() - started:.1f} s → {path.name} "
        f"({path.stat().st_size / 1048576:.1f} MB)"
    )

    # Ours: the command's call (import_data reads the file's bytes and calls run_import, user None).
    started = time.perf_counter()
    report = dataio.run_import(resource_name="service_records", data=path.read_bytes(), filename=path.name)
    ours = time.perf_counter() - started
    assert report.committed and not report.errors, report.error_lines()[:5]
    assert ServiceRecord.objects.count() == args.rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"ours: {args.rows} records in {ours:.2f} s = {args.rows / ours:,.0f} records/s; "
        f"peak RSS {peak_mb:.0f} MB, parse child {child_peak_mb:.0f} MB"
    )

    figures = {
        "rows": args.rows,
        "database": connection.vendor,
        "seconds": round(ours, 2),
        "records_per_s": round(args.rows / ours),
    }
    if connection.vendor == "postgresql":
        # Baseline: the same CSV copied raw into an unindexed temporary table.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_records_copy (clinic text, item text, day date, id_number text, "
                "name text, doctor text, note text)"
            )
            started = time.perf_counter()
            with (
                path.open("rb") as handle,
                cursor.copy("COPY bench_records_copy FROM STDIN (FORMAT csv, HEADER)") as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            baseline = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_records_copy")
        print(
            f"baseline (raw COPY into an unindexed temp table): {args.rows / baseline:,.0f} rows/s ({baseline:.2f} s)"
        )
        figures.update(
            {"baseline_rows_per_s": round(args.rows / baseline), "ratio_to_baseline": round(ours / baseline, 2)}
        )
    else:
        figures["ratio_to_baseline"] = None
    figures.update({"peak_rss_mb": round(peak_mb), "parse_child_peak_rss_mb": round(child_peak_mb)})
    figures.update(draw_month_samples(county, year=2026, month=DRAW_MONTH))
    print("targets: ≥ 50,000 records/s for 1,000,000 rows, peak RSS < 500 MB (PostgreSQL)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
