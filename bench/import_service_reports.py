"""Benchmark: import 100,000 monthly service-count rows from Excel through the admin's code path.

Run from the project root: .venv/bin/python bench/import_service_reports.py [--rows N]
Uses its own database (bench/out/bench.sqlite3) unless DATABASE_URL is set.

Figures:
- ours: core.dataio.run_import("service_reports", ...) — the same call the admin's import (and its
  background job) makes: parse, validate every row, all-or-nothing bulk write, history rows.
- baseline: openpyxl read-only parse of the same file + bulk_create of the lines, no validation.
- stock: django-import-export's default (row by row, non-bulk) ModelResource on a 2,000-row sample.
The last line is a JSON object with the figures.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    import django

    if os.environ["DATABASE_URL"].startswith("sqlite") and (OUT / "bench.sqlite3").exists():
        (OUT / "bench.sqlite3").unlink()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from openpyxl import Workbook, load_workbook

    from clinics.models import Clinic, County, Township
    from clinics.roles import Role
    from clinics.services import create_user_with_role
    from core import dataio
    from programs.models import ServiceItem, ServiceReport, ServiceReportLine

    print(f"database: {connection.vendor}")
    ServiceReportLine.objects.all().delete()  # a clean slate on PostgreSQL too
    ServiceReport.objects.all().delete()
    items = list(ServiceItem.objects.order_by("sort_order"))
    per_clinic = len(items) * 12
    clinic_count = -(-args.rows // per_clinic)
    county, _ = County.objects.get_or_create(code="BENCH", defaults={"name": "基准县"})
    township, _ = Township.objects.get_or_create(
        code="BT01", defaults={"county": county, "name": "基准镇", "health_center_name": "基准镇卫生院"}
    )
    existing = set(Clinic.objects.filter(township=township).values_list("code", flat=True))
    Clinic.objects.bulk_create(
        [
            Clinic(township=township, code=f"BC{i:05d}", name=f"基准{i}村卫生室", village="基准村")
            for i in range(clinic_count)
            if f"BC{i:05d}" not in existing
        ]
    )
    user = create_user_with_role(
        username=f"bench{time.time_ns()}", password="x-bench-pass-1", role=Role.COUNTY_ADMIN, county=county
    )

    path = OUT / f"service-reports-{args.rows}.xlsx"
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["卫生室编码", "项目编码", "年度", "月份", "申报数"])
    written = 0
    for i in range(clinic_count):
        for month in range(1, 13):
            for item in items:
                if written == args.rows:
                    break
                sheet.append([f"BC{i:05d}", item.code, 2026, month, (i + month * 7 + item.sort_order) % 40])
                written += 1
    workbook.save(path)
    print(
        f"generated {written} rows in {time.perf_counter() - started:.1f} s → {path.name} "
        f"({path.stat().st_size / 1048576:.1f} MB)"
    )

    data = path.read_bytes()
    started = time.perf_counter()
    report = dataio.run_import(resource_name="service_reports", data=data, filename=path.name, user=user)
    ours = time.perf_counter() - started
    assert report.committed and not report.errors, report.error_lines()[:5]
    assert ServiceReportLine.objects.count() == written
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The file is parsed in a child process (core/dataio/parse_child.py): its peak is reported on its own.
    child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"ours: {written} rows in {ours:.2f} s = {written / ours:,.0f} rows/s (validated, all-or-nothing); "
        f"peak RSS so far {peak_mb:.0f} MB, parse child {child_peak_mb:.0f} MB"
    )

    # Baseline: parse + bulk_create, nothing else, into empty tables.
    ServiceReportLine.objects.all().delete()
    ServiceReport.objects.all().delete()
    started = time.perf_counter()
    rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True))
    clinic_ids = dict(Clinic.objects.filter(township=township).values_list("code", "pk"))
    item_ids = {i.code: i.pk for i in items}
    reports = ServiceReport.objects.bulk_create(
        ServiceReport(clinic_id=clinic_ids[c], year=y, month=m, status="submitted")
        for c, y, m in sorted({(r[0], r[2], r[3]) for r in rows})
    )
    if reports and reports[0].pk is None:
        report_ids = {(r.clinic_id, r.month): r.pk for r in ServiceReport.objects.all()}
    else:
        report_ids = {(r.clinic_id, r.month): r.pk for r in reports}
    ServiceReportLine.objects.bulk_create(
        (
            ServiceReportLine(report_id=report_ids[(clinic_ids[c], m)], item_id=item_ids[i], declared_count=n)
            for c, i, _y, m, n in rows
        ),
        batch_size=5000,
    )
    baseline = time.perf_counter() - started
    print(f"baseline (openpyxl read-only + bulk_create): {written / baseline:,.0f} rows/s ({baseline:.2f} s)")

    # Stock django-import-export, row by row, on a sample.
    from import_export import resources

    class StockResource(resources.ModelResource):
        class Meta:
            model = ServiceReportLine
            fields = ("id", "report", "item", "declared_count")

    sample = 2000
    ServiceReportLine.objects.all().delete()
    import tablib

    dataset = tablib.Dataset(headers=["report", "item", "declared_count"])
    for c, i, _y, m, n in rows[:sample]:
        dataset.append([report_ids[(clinic_ids[c], m)], item_ids[i], n])
    started = time.perf_counter()
    result = StockResource().import_data(dataset, dry_run=False, use_transactions=True)
    stock = time.perf_counter() - started
    assert not result.has_errors()
    print(f"stock django-import-export (non-bulk), {sample}-row sample: {sample / stock:,.0f} rows/s")

    figures = {
        "rows": written,
        "database": connection.vendor,
        "seconds": round(ours, 2),
        "rows_per_s": round(written / ours),
        "baseline_rows_per_s": round(written / baseline),
        "ratio_to_baseline": round(ours / baseline, 2),
        "stock_rows_per_s": round(sample / stock),
        "peak_rss_mb": round(peak_mb),
        "parse_child_peak_rss_mb": round(child_peak_mb),
    }
    print("targets: ≥ 10,000 rows/s, ratio ≤ 3, peak memory < 500 MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
