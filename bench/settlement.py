"""Benchmark: settlement of a province — 30,000 clinics × 13 items × 12 months of verified reports.

Run from the project root: .venv/bin/python bench/settlement.py [--clinics N]
PostgreSQL (default: a database named bench_settlement on 127.0.0.1, created if missing; override with
BENCH_DATABASE_URL); pass --sqlite for a small SQLite run (1,000 clinics by default); --reuse keeps a PostgreSQL database built by an
earlier run (its settlement runs are deleted first), to time changes without rebuilding the data.

Figures:
- county run: one county (600 clinics) through subsidies.services.settlement.create_run (the admin's path);
- province run: every county of the province, one run each (subsidies.services.settlement.create_province_runs:
  one read of the province's figures, then each county computed while the previous ones are written);
- baseline: one hand-written SQL aggregate computing the same public-health totals in the database
  (the tables are ANALYZEd after the bulk load, as autovacuum would on a live database, for both; same
  server settings for both);
- the province run and the baseline are measured three times, alternately, and compared by their medians;
- statements: PDF statements per second for one township.
Queries are counted for the province run and for a run of half its counties: they do not grow with clinics.
The last line is a JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))

ITEMS = 13
REPEATS = 3
CLINICS_PER_COUNTY = 600


def configure(sqlite: bool, reuse: bool = False) -> bool:
    """Point Django at the benchmark database; True when an earlier build is reused."""
    if sqlite:
        path = OUT / "bench-settlement.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        reused = False
    else:
        url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_settlement")
        from bench.common import postgres_database_exists, recreate_postgres_database

        reused = reuse and postgres_database_exists(url)
        if not reused:
            recreate_postgres_database(url)
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    return reused


def reuse_built():
    """The policies and sizes of a database built by an earlier run, without its settlement runs."""
    from django.db import connection

    from clinics.models import Clinic
    from subsidies.models import SettlementLine, SettlementRun, SubsidyPolicy

    SettlementLine.objects.all().delete()
    SettlementRun.objects.all().delete()
    policies = list(SubsidyPolicy.objects.filter(year=2026).order_by("county__code"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM programs_servicereportline")
        lines = cursor.fetchone()[0]
        if connection.vendor == "postgresql":  # the deleted lines' space, as autovacuum would reclaim it
            cursor.execute("VACUUM ANALYZE subsidies_settlementline")
    clinics = Clinic.objects.count()
    print(f"reused {clinics:,} clinics in {len(policies)} counties, {lines:,} report lines")
    return policies, clinics, lines


def build(clinic_total: int):
    from django.db import connection

    from clinics.models import Clinic, ClinicPopulation, County, Township
    from programs.models import ServiceItem
    from subsidies.models import PolicyItem, ScoreSheet, SubsidyPolicy

    counties = max(1, clinic_total // CLINICS_PER_COUNTY)
    started = time.perf_counter()
    county_objs = County.objects.bulk_create(County(code=f"C{c:03d}", name=f"第{c}县") for c in range(counties))
    townships = Township.objects.bulk_create(
        Township(county=county, code=f"C{ci:03d}T{t:02d}", name=f"{county.name}{t}镇", health_center_name="卫生院")
        for ci, county in enumerate(county_objs)
        for t in range(10)
    )
    per_township = CLINICS_PER_COUNTY // 10
    clinics = Clinic.objects.bulk_create(
        (
            Clinic(township=t, code=f"{t.code}V{v:03d}", name=f"{t.name}{v}村卫生室", village=f"{v}村")
            for t in townships
            for v in range(per_township)
        ),
        batch_size=5000,
    )
    ClinicPopulation.objects.bulk_create(
        (
            ClinicPopulation(
                clinic=c,
                year=2026,
                resident=800 + c.pk % 2000,
                registered=900,
                insured=850,
                aged_65_plus=120,
                children_0_6=60,
            )
            for c in clinics
        ),
        batch_size=5000,
    )
    items = list(ServiceItem.objects.order_by("sort_order")[:ITEMS])
    item_ids = ",".join(str(i.pk) for i in items)
    user_id = None
    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO programs_quota (clinic_id, item_id, year, target)
            SELECT c.id, i.id, 2026, 60 + (c.id * 7 + i.id * 13) % 240 FROM clinics_clinic c
            CROSS JOIN programs_serviceitem i WHERE i.id IN ({item_ids})""")
        cursor.execute("""INSERT INTO programs_servicereport (clinic_id, year, month, status, return_comment, version)
            SELECT c.id, 2026, m.m, 'verified', '', 0 FROM clinics_clinic c
            CROSS JOIN (SELECT 1 AS m UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
                        UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
                        UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 12) m""")
        cursor.execute(f"""INSERT INTO programs_servicereportline
                (report_id, item_id, declared_count, verified_count, sample_method)
            SELECT r.id, i.id, 5 + (r.id * 31 + i.id * 17) % 30, 5 + (r.id * 31 + i.id * 17) % 30 - (r.id % 3), ''
            FROM programs_servicereport r CROSS JOIN programs_serviceitem i WHERE i.id IN ({item_ids})""")
    sheets = ScoreSheet.objects.bulk_create(ScoreSheet(county=c, year=2026, name="表") for c in county_objs)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    user_id = user.pk
    with connection.cursor() as cursor:
        sheet_of = {s.county_id: s.pk for s in sheets}
        cases = " ".join(f"WHEN {county} THEN {sheet}" for county, sheet in sheet_of.items())
        cursor.execute(f"""INSERT INTO subsidies_assessment
                (clinic_id, year, quarter, sheet_id, status, total_score, notes, assessor_id, assessed_on, version)
            SELECT c.id, 2026, q.q, CASE t.county_id {cases} END, 'submitted', 55 + (c.id * 3 + q.q) % 45, '',
                   {user_id}, '2026-12-20', 0
            FROM clinics_clinic c JOIN clinics_township t ON t.id = c.township_id
            CROSS JOIN (SELECT 1 AS q UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) q""")
    policies = []
    for county in county_objs:
        policy = SubsidyPolicy.objects.create(
            county=county,
            year=2026,
            name="补助",
            per_capita_rate=99,
            village_share="0.4",
            drug_amount=5,
            quality_threshold=60,
            quality_bands=[[90, 1.0], [80, 0.9], [60, 0.8]],
        )
        PolicyItem.objects.bulk_create(
            PolicyItem(policy=policy, item=i, unit_price=10 + i.sort_order % 30, work_points=4) for i in items
        )
        policies.append(policy)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM programs_servicereportline")
        lines = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            # Planner statistics for the freshly bulk-loaded tables, as autovacuum would gather them on a live
            # database (it may be off, or not have run yet): both the settlement and the baseline benefit.
            cursor.execute("ANALYZE")
    print(
        f"built {len(clinics):,} clinics in {counties} counties, {lines:,} report lines "
        f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    return policies, len(clinics), lines


def sql_baseline(policy_ids):
    """The public-health totals of every clinic, computed by one SQL statement."""
    from django.db import connection

    sql = f"""
    WITH verified AS (
        SELECT r.clinic_id, l.item_id, SUM(l.verified_count) AS v
        FROM programs_servicereportline l JOIN programs_servicereport r ON r.id = l.report_id
        WHERE r.year = 2026 AND r.status = 'verified' GROUP BY r.clinic_id, l.item_id),
    score AS (SELECT clinic_id, AVG(total_score) AS s FROM subsidies_assessment
              WHERE year = 2026 AND status = 'submitted' GROUP BY clinic_id)
    SELECT v.clinic_id, SUM(LEAST(v.v, q.target * 1.2) * pi.unit_price) *
           MAX(CASE WHEN s.s >= 90 THEN 1.0 WHEN s.s >= 80 THEN 0.9 WHEN s.s >= 60 THEN 0.8 ELSE 0 END)
    FROM verified v
    JOIN programs_quota q ON q.clinic_id = v.clinic_id AND q.item_id = v.item_id AND q.year = 2026
    JOIN clinics_clinic c ON c.id = v.clinic_id JOIN clinics_township t ON t.id = c.township_id
    JOIN subsidies_subsidypolicy p ON p.county_id = t.county_id AND p.id IN ({",".join(map(str, policy_ids))})
    JOIN subsidies_policyitem pi ON pi.policy_id = p.id AND pi.item_id = v.item_id
    LEFT JOIN score s ON s.clinic_id = v.clinic_id
    GROUP BY v.clinic_id"""
    if connection.vendor == "sqlite":
        sql = sql.replace("LEAST(", "MIN(")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def province_run(settlement, policies) -> dict:
    """One province run, timed with its commit, and its queries counted; its runs are then deleted (outside the
    timing, and the table vacuumed) so that each repetition writes into the same table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from subsidies.models import SettlementLine, SettlementRun

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        runs = settlement.create_province_runs(user=None, policies=policies, year=2026, quarter=None)
        seconds = time.perf_counter() - started
    result = {"seconds": seconds, "queries": len(captured), "total": sum(r.total_balance for r in runs)}
    SettlementLine.objects.filter(run__in=runs).delete()
    SettlementRun.objects.filter(pk__in=[r.pk for r in runs]).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE subsidies_settlementline")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--clinics", type=int)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    reused = configure(args.sqlite, args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from subsidies import pdf
    from subsidies.services import settlement

    clinic_total = args.clinics or (1_000 if args.sqlite else 30_000)
    policies, clinics, lines = reuse_built() if reused else build(clinic_total)

    with CaptureQueriesContext(connection) as county_queries:
        started = time.perf_counter()
        run = settlement.create_run(user=None, policy=policies[0], year=2026, quarter=None)
        county_seconds = time.perf_counter() - started
    print(
        f"county run: {run.lines.count()} clinics in {county_seconds:.2f} s, {len(county_queries)} queries, "
        f"total {run.total_balance} 元"
    )

    half = province_run(settlement, policies[: len(policies) // 2])
    provinces, baselines = [], []
    for _rep in range(REPEATS):  # alternated, so that a change in the machine's load touches both alike
        baselines.append(sql_baseline([p.pk for p in policies]))
        provinces.append(province_run(settlement, policies))
    province = provinces[0]
    province_times = [p["seconds"] for p in provinces]
    baseline_times = [b[0] for b in baselines]
    province_seconds, baseline_seconds = statistics.median(province_times), statistics.median(baseline_times)
    print(
        f"province run: {clinics:,} clinics, {len(policies)} county runs in one pass; "
        f"{', '.join(f'{t:.2f}' for t in province_times)} s (median {province_seconds:.2f} s); "
        f"{province['queries']} queries (with half the counties and clinics: {half['queries']}); "
        f"total {province['total']} 元"
    )
    print(
        f"baseline: one SQL aggregate of the public-health totals of {baselines[0][1]:,} clinics: "
        f"{', '.join(f'{t:.2f}' for t in baseline_times)} s (median {baseline_seconds:.2f} s)"
    )
    print(
        f"ratio province run / SQL aggregate: {province_seconds / baseline_seconds:.2f} (medians); each pair: "
        f"{', '.join(f'{p / b:.2f}' for p, b in zip(province_times, baseline_times, strict=True))}"
    )

    township_lines = list(
        run.lines.select_related("run__county", "run__township", "clinic__township").filter(
            clinic__township_id=run.lines.first().clinic.township_id
        )
    )
    started = time.perf_counter()
    for line in township_lines:
        pdf.statement_pdf(line)
    pdf_seconds = time.perf_counter() - started
    print(f"statements: {len(township_lines)} PDFs in {pdf_seconds:.2f} s = {len(township_lines) / pdf_seconds:.1f}/s")
    print("targets: province run ≤ 30 s, within 3× of the SQL aggregate; queries do not grow with clinics; ≥ 2 PDFs/s")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "clinics": clinics,
                "report_lines": lines,
                "counties": len(policies),
                "county_run_s": round(county_seconds, 2),
                "county_run_queries": len(county_queries),
                "province_run_s": round(province_seconds, 2),
                "province_queries": province["queries"],
                "province_queries_half": half["queries"],
                "sql_aggregate_s": round(baseline_seconds, 2),
                "ratio_to_baseline": round(province_seconds / baseline_seconds, 2),
                "pdfs_per_s": round(len(township_lines) / pdf_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
