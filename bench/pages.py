"""Benchmark: response times of the dashboards under load, against a static file served by the same server.

Run from the project root: .venv/bin/python bench/pages.py [--townships 30] [--clinics-per-township 20]
PostgreSQL (default: a database named bench_pages on 127.0.0.1, dropped and created; override with
BENCH_DATABASE_URL); pass --sqlite for a small SQLite run (6 townships × 8 clinics by default).

What it does:
1. builds one county of 30 townships × 20 clinics (600 clinics) with the demo builders (organisation and
   logins, a year of service reports and quotas, doctors and licences, the subsidy policy and settlement
   runs) plus bulk-created quarterly assessments and drug sales with some markup violations;
2. starts gunicorn (production settings: DEBUG off, static files by WhiteNoise after collectstatic) with
   several sync workers on a free port;
3. logs in a county admin, a township staff member and a village doctor (session cookies);
4. with 10 concurrent clients sends a shuffled mix of requests to: the township admin home, the county
   admin home, the county dashboard (各乡镇工作对比), the doctor's portal home, the login page (a trivial
   Django page) and a static CSS file — all under the same load in the same run;
5. prints the median and 95th percentile of each, their ratio to the static file, and a JSON line.
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from queue import Empty, Queue

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))

CLIENTS = 10
WORKERS = 4


def configure(sqlite: bool) -> str:
    if sqlite:
        path = OUT / "bench-pages.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_pages")
        from bench.common import recreate_postgres_database

        recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    # The server and this process share the production settings (and so the session store).
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SECURE_HSTS_SECONDS"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    return url


class Out:
    def write(self, text):
        print("  " + text)


def build(townships: int, per_township: int, year: int):
    """The demo county at this size; assessments and drug sales in bulk (the demo's go through the services)."""
    from django.db import transaction

    from clinics.demo import seed_organisation
    from clinics.models import Clinic
    from doctors import demo_doctors
    from programs import demo_reports as demo_services
    from programs.models import Drug, DrugSale
    from subsidies import demo_settlement
    from subsidies.models import Assessment, ScoreSheet

    started = time.perf_counter()
    with transaction.atomic():
        ctx = seed_organisation(
            townships=townships, clinics_per_township=per_township, year=year, seed=2026, stdout=Out()
        )
        demo_services.seed(ctx)
        demo_doctors.seed(ctx)
        from django.contrib.auth import get_user_model

        clinics = list(Clinic.objects.filter(township__county=ctx.county).order_by("code"))
        rng = random.Random(9)
        today = date.today()
        last_quarter = 4 if year < today.year else max(1, (today.month - 1) // 3)
        sheet = ScoreSheet.objects.create(county=ctx.county, year=year, name="村卫生室绩效考核评分表")
        assessor = get_user_model().objects.get(username="staff01")
        Assessment.objects.bulk_create(
            (
                Assessment(
                    clinic=c,
                    year=y,
                    quarter=q,
                    sheet=sheet,
                    status="submitted",
                    assessor=assessor,
                    total_score=Decimal(rng.randint(52, 98)),
                    assessed_on=date(y, q * 3, 25),
                )
                for c in clinics
                for y, q in [(year - 1, 4)] + [(year, q) for q in range(1, last_quarter + 1)]
            ),
            batch_size=2000,
        )
        drugs = [
            Drug.objects.create(
                code=f"B{i:03d}", generic_name=name, dosage_form="片剂", specification="100片", unit="瓶"
            )
            for i, name in enumerate(["阿司匹林肠溶片", "硝苯地平片", "二甲双胍片"])
        ]
        months = 12 if year < today.year else today.month
        DrugSale.objects.bulk_create(
            (
                DrugSale(
                    clinic=c,
                    drug=rng.choice(drugs),
                    date=date(year, m, rng.randint(1, 28)),
                    quantity=rng.randint(1, 3),
                    unit_cost=Decimal("8.00"),
                    unit_price=Decimal("8.50") if over else Decimal("8.00"),
                    overcharge=Decimal("0.50") if over else Decimal("0.00"),
                )
                for c in clinics
                for m in range(1, months + 1)
                for over in [rng.random() < 0.03]
                for _k in range(2)
            ),
            batch_size=5000,
        )
        demo_settlement.seed(ctx)
    print(
        f"built {len(clinics)} clinics in {townships} townships with a year of data "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return ctx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int):
    log = open(OUT / "bench-pages-gunicorn.log", "w")  # noqa: SIM115 (the server process keeps it open)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import requests

    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/static/css/dashboard.css", timeout=30)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    stop_server(process)
    raise SystemExit("gunicorn did not start; see bench/out/bench-pages-gunicorn.log")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def measure(base: str, targets: dict, per_target: int):
    """A shuffled mix of requests to every target, sent by CLIENTS threads at once; seconds per target."""
    import requests

    jobs = [name for name in targets for _ in range(per_target)]
    random.Random(1).shuffle(jobs)
    queue: Queue = Queue()
    for job in jobs:
        queue.put(job)
    times: dict[str, list[float]] = {name: [] for name in targets}
    errors: list[str] = []
    lock = threading.Lock()

    def client():
        session = requests.Session()
        while True:
            try:
                name = queue.get_nowait()
            except Empty:
                return
            path, cookie, expect = targets[name]
            started = time.perf_counter()
            response = session.get(
                base + path,
                headers={"Cookie": f"sessionid={cookie}"} if cookie else {},
                allow_redirects=False,
                timeout=120,
            )
            elapsed = time.perf_counter() - started
            with lock:
                if response.status_code != 200 or (expect and expect not in response.text):
                    errors.append(f"{name}: {response.status_code}")
                times[name].append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors, time.perf_counter() - started


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--townships", type=int)
    parser.add_argument("--clinics-per-township", type=int)
    parser.add_argument("--requests", type=int, default=60, help="requests per page in the measured mix")
    args = parser.parse_args()
    url = configure(args.sqlite)
    townships = args.townships or (6 if args.sqlite else 30)
    per_township = args.clinics_per_township or (8 if args.sqlite else 20)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    build(townships, per_township, date.today().year)

    port = free_port()
    server = start_server(port)
    try:
        county, staff, doctor = session_cookie("county"), session_cookie("staff01"), session_cookie("doc001")
        connection.close()
        targets = {
            "static file (/static/css/dashboard.css)": ("/static/css/dashboard.css", None, ""),
            "login page (trivial Django page)": ("/accounts/login/", None, "password"),
            "township dashboard (admin home, staff01)": ("/admin/", staff, "dash-tile"),
            "county admin home (county)": ("/admin/", county, "dash-tile"),
            "county dashboard 各乡镇工作对比 (county)": ("/admin/dashboard/county/", county, "county-table"),
            "portal home (doc001)": ("/portal/", doctor, "dash-tile"),
        }
        base = f"http://127.0.0.1:{port}"
        print(f"gunicorn: {WORKERS} sync workers on port {port}, {os.cpu_count()} CPUs; database {url.split('://')[0]}")
        alone = {}
        for name, (path, cookie, expect) in targets.items():  # warm every worker up, then each page alone
            _times, errors, _total = measure(base, {name: (path, cookie, expect)}, WORKERS * 3)
            if errors:
                raise SystemExit(f"{name} failed: {errors}")
            samples = []
            import requests

            for _ in range(7):
                started = time.perf_counter()
                requests.get(base + path, headers={"Cookie": f"sessionid={cookie}"} if cookie else {}, timeout=60)
                samples.append(time.perf_counter() - started)
            alone[name] = statistics.median(samples)
        times, errors, total = measure(base, targets, args.requests)
        if errors:
            raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:5]}")
    finally:
        stop_server(server)

    static = statistics.median(times["static file (/static/css/dashboard.css)"])
    count = sum(len(v) for v in times.values())
    print(
        f"\n{CLIENTS} concurrent clients, {count} requests in a shuffled mix, {total:.1f} s "
        f"({count / total:.1f} requests/s)\n"
    )
    static_alone = alone["static file (/static/css/dashboard.css)"]
    print(f"{'page':<44} {'alone ms':>9} {'× static':>9} {'median ms':>10} {'p95 ms':>8} {'× static':>9}")
    results = {}
    for name, values in times.items():
        median = statistics.median(values)
        results[name] = {
            "alone_ms": round(alone[name] * 1000, 1),
            "alone_ratio_to_static": round(alone[name] / static_alone, 1),
            "median_ms": round(median * 1000, 1),
            "p95_ms": round(p95(values) * 1000, 1),
            "ratio_to_static": round(median / static, 1),
        }
        r = results[name]
        print(
            f"{name:<44} {r['alone_ms']:>9.1f} {r['alone_ratio_to_static']:>9.1f} {r['median_ms']:>10.1f} "
            f"{r['p95_ms']:>8.1f} {r['ratio_to_static']:>9.1f}"
        )
    print(
        "\n'alone': one request at a time; 'median' / 'p95': under the mixed load of 10 clients, where a fast request "
        "may wait for a worker busy with a slow page."
    )
    print(
        json.dumps(
            {
                "database": url.split("://")[0],
                "townships": townships,
                "clinics": townships * per_township,
                "clients": CLIENTS,
                "workers": WORKERS,
                "requests": count,
                "requests_per_s": round(count / total, 1),
                "pages": results,
                "ratio_to_baseline": results["county dashboard 各乡镇工作对比 (county)"]["ratio_to_static"],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
