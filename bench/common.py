"""Helpers shared by the benchmark scripts."""


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database a postgres:// URL names (connecting to its server's "postgres")."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_database_exists(url: str) -> bool:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def bench_clinics(count: int):
    """The bench county's township with clinics BC00000… (made once, kept between runs): (county, township)."""
    from clinics.models import Clinic, County, Township

    county, _ = County.objects.get_or_create(code="BENCH", defaults={"name": "基准县"})
    township, _ = Township.objects.get_or_create(
        code="BT01", defaults={"county": county, "name": "基准镇", "health_center_name": "基准镇卫生院"}
    )
    existing = set(Clinic.objects.filter(township=township).values_list("code", flat=True))
    Clinic.objects.bulk_create(
        [
            Clinic(township=township, code=f"BC{i:05d}", name=f"基准{i}村卫生室", village="基准村")
            for i in range(count)
            if f"BC{i:05d}" not in existing
        ]
    )
    return county, township
