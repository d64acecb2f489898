"""Benchmark of the catalog search: 6,000 generated procedures, ~200 realistic queries.

    .venv/bin/python bench/catalog_search.py                       # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/catalog_search.py

Always uses its own throwaway database, never the demo's: on PostgreSQL it creates (and drops)
`motcua_bench_search` on the server of DATABASE_URL; on SQLite a file in a temporary directory.
Prints p50/p95/p99 in ms for `search()` with its first page loaded, and for the API
(`GET /api/v1/procedures?search=…` through Django's test client). Results: docs/benchmarks.md.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BENCH_DB = "motcua_bench_search"

# What citizens type: short, often without diacritics, sometimes with a typo.
HAND_WRITTEN = [
    "đăng ký khai sinh",
    "dang ky khai sinh",
    "khai sinh",
    "ket hon",
    "đăng ký kết hôn",
    "xac nhan tinh trang hon nhan",
    "khai tu",
    "giám hộ",
    "chung thuc ban sao",
    "chứng thực chữ ký",
    "chung thuc hop dong",
    "di chuc",
    "giay phep xay dung",
    "giấy phép xây dựng nhà ở riêng lẻ",
    "sua chua cai tao",
    "chung chi hanh nghe",
    "ho kinh doanh",
    "đăng ký hộ kinh doanh",
    "thanh lap doanh nghiep",
    "cong ty co phan",
    "giai the doanh nghiep",
    "tam ngung kinh doanh",
    "giay phep lao dong",
    "nguoi nuoc ngoai",
    "tro cap xa hoi",
    "khuyet tat",
    "mai tang phi",
    "liet si",
    "nguoi co cong",
    "chuyen truong",
    "van bang chung chi",
    "phong kham",
    "chứng chỉ hành nghề dược",
    "an toan thuc pham",
    "karaoke",
    "le hoi",
    "giay chung nhan quyen su dung dat",
    "tach thua",
    "chuyen muc dich su dung dat",
    "the chap",
    "bien dong dat dai",
    "cap lai",
    "cap doi",
    "gia han",
    "giay phep",
    "đất đai",
    "hộ tịch",
    "xây dựng",
    "thay doi noi dung dang ky",
    "ban sao",
]
TYPO_WORDS = 4  # typos only in words this long (the search corrects those)


def fold(text: str) -> str:
    from motcua.common.text import fold as _fold

    return _fold(text)


def _typo(rng: random.Random, text: str) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(fold(w)) >= TYPO_WORDS]
    if not long:
        return text
    i = rng.choice(long)
    word = fold(words[i])
    j = rng.randrange(len(word) - 1)
    kind = rng.choice(["swap", "substitute", "delete", "insert"])
    if kind == "swap":
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif kind == "substitute":
        word = word[:j] + rng.choice("aeioucnghtd") + word[j + 1 :]
    elif kind == "delete":
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + rng.choice("aeioun") + word[j:]
    words[i] = word
    return " ".join(words)


def query_mix(names: list[str], seed: int = 1, size: int = 200) -> list[str]:
    """A fixed mix: hand-written queries, then windows of real names transformed."""
    rng = random.Random(seed)
    queries = list(HAND_WRITTEN)
    transforms = ["as_is", "folded", "upper", "typo", "typo", "missing", "extra", "first_words"]
    while len(queries) < size:
        words = rng.choice(names).split()
        length = rng.randint(2, min(5, len(words)))
        start = rng.randrange(0, len(words) - length + 1)
        phrase = " ".join(words[start : start + length]).strip(",")
        kind = transforms[len(queries) % len(transforms)]
        if kind == "folded":
            phrase = fold(phrase)
        elif kind == "upper":
            phrase = phrase.upper()
        elif kind == "typo":
            phrase = _typo(rng, fold(phrase) if rng.random() < 0.7 else phrase)
        elif kind == "missing" and len(phrase.split()) >= 3:
            parts = phrase.split()
            del parts[rng.randrange(1, len(parts))]
            phrase = " ".join(parts)
        elif kind == "extra":
            phrase = f"{phrase} {rng.choice(['cho con', 'o dau', 'nhanh', 'online', 'mau don'])}"
        elif kind == "first_words":
            phrase = " ".join(words[:3])
        queries.append(phrase)
    return queries


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "p50": pick(50),
        "p95": pick(95),
        "p99": pick(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def _line(label: str, stats: dict) -> str:
    return (
        f"{label:<34} p50 {stats['p50']:6.2f} ms   p95 {stats['p95']:6.2f} ms   "
        f"p99 {stats['p99']:6.2f} ms   max {stats['max']:6.2f} ms"
    )


# --- The throwaway database ------------------------------------------------------------------


def _prepare_environment(tmp: Path) -> str:
    """Point the settings at a database of our own; return a description."""
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["MOTCUA_PUBLIC_LOOKUP_RATE"] = "1000000/min"  # measure the work, not the throttle
    os.environ["DEBUG"] = "0"  # DEBUG would record every query
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    os.environ["STATIC_ROOT"] = str(tmp / "static")
    (tmp / "static").mkdir()
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(url)
        admin = dict(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
        )
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
            version = conn.execute("SHOW server_version").fetchone()[0]
        base = url.rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
        os.environ["MOTCUA_BENCH_ADMIN"] = json.dumps(admin)
        return f"PostgreSQL {version} (database {BENCH_DB}, dropped afterwards)"
    os.environ["MOTCUA_VAR_DIR"] = str(tmp)
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (temporary file {tmp / 'motcua.sqlite3'})"


def _drop_database() -> None:
    admin = os.environ.get("MOTCUA_BENCH_ADMIN")
    if not admin:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(**json.loads(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')


# --- Main -------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=6000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query mix")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        where = _prepare_environment(Path(tmp))
        os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings"
        import django

        django.setup()
        try:
            run(args, where)
        finally:
            if not args.keep:
                _drop_database()
    return 0


def _load(n: int, seed: int) -> tuple[float, str]:
    try:
        from generate_catalog import generate
    except ImportError:  # the generator lives in bench/ (see its docstring)
        sys.exit("bench/generate_catalog.py is missing: it provides generate(n, seed)")
    data = generate(n, seed)
    started = time.perf_counter()
    try:
        from motcua.catalog.services import import_catalog
    except ImportError:
        sys.exit("motcua.catalog.services.import_catalog is missing")
    report = import_catalog(json.dumps(data, ensure_ascii=False).encode())
    if getattr(report, "errors", None):
        sys.exit(f"import failed: {report.errors[:3]}")
    return time.perf_counter() - started, "import_catalog"


def run(args, where: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from motcua.catalog import search as search_module
    from motcua.catalog.models import Procedure

    print(f"database: {where}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    call_command("migrate", verbosity=0)
    seconds, how = _load(args.procedures, args.seed)
    available = Procedure.objects.filter(status="active").count()
    print(
        f"loaded {args.procedures} procedures ({available} available) with {how} in {seconds:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    names = list(Procedure.objects.order_by("code").values_list("name", flat=True))
    queries = query_mix(names, seed=args.seed + 1, size=args.queries)

    search_module.invalidate_index()
    started = time.perf_counter()
    idx = search_module.index()
    print(
        f"index build (once per catalog change per process): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms, {len(idx.words)} distinct words, "
        f"{len(idx.procedures)} procedures"
    )

    def one(query: str) -> int:
        results = search_module.search(query)
        results[:20]  # what a request shows: the first page, loaded
        return len(results)

    for query in queries[:20]:  # warm-up: connection, statement caches
        one(query)
    timings, totals, relaxed = [], [], 0
    for _round in range(args.rounds):
        for query in queries:
            started = time.perf_counter()
            totals.append(one(query))
            timings.append((time.perf_counter() - started) * 1000)
    digest = hashlib.sha256()
    for query in queries:
        results = search_module.search(query)
        relaxed += results.relaxed
        # Every result in rank order: equal digests on SQLite and PostgreSQL = identical results.
        digest.update(f"{query}\t{','.join(p.code for p in results)}\n".encode())
    empty = sum(1 for t in totals[: len(queries)] if t == 0)

    client = Client()
    api_timings = []
    for query in queries[:20]:
        client.get("/api/v1/procedures", {"search": query})
    for _round in range(args.rounds):
        for query in queries:
            started = time.perf_counter()
            response = client.get("/api/v1/procedures", {"search": query})
            api_timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]

    print(
        f"queries: {len(queries)} × {args.rounds} rounds; results per query: median "
        f"{statistics.median(totals):.0f}, max {max(totals)}; no result: {empty}; "
        f"relaxed (a word left out): {relaxed}"
    )
    print(
        f"results digest (equal on both databases = identical results): {digest.hexdigest()[:16]}"
    )
    print(_line("search() + first page", percentiles(timings)))
    print(_line("GET /api/v1/procedures?search=", percentiles(api_timings)))
    slowest = sorted(zip(timings[: len(queries)], queries, strict=True), reverse=True)[:5]
    print("slowest queries (first round): " + "; ".join(f"{q!r} {t:.1f} ms" for t, q in slowest))


if __name__ == "__main__":
    sys.exit(main())
