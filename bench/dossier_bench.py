"""Dossier benchmarks on a generated dataset (bench/generate_dossiers.py), in one run:

(a) tracking look-ups per second and p50/p99 latency: our endpoint
    `GET /api/v1/tracking/{code}?secret=…` vs the floor, bench/tracking_minimal_app.py, both under
    gunicorn with the same settings (2 sync workers, DEBUG off), driven by wrk over a fixed
    sample of real codes and secrets; both must first answer the same JSON for a sample of
    dossiers in every state;
(b) worklist latency (p50/p95/p99) of the selectors in motcua/dossiers/selectors.py for officers
    of every agency, and of the plain ORM query "open dossiers of an agency by due time, first
    page of 20";
(c) online submissions acknowledged per second: `POST /api/v1/dossiers` when the dossier API
    exists, otherwise the service calls create_dossier + submit in worker processes (labelled
    as a stand-in). Rows it creates are deleted afterwards;
(d) acknowledged submissions (the online intake): `POST /api/v1/submissions` through gunicorn
    with REDIS_URL set and a Celery worker draining the queue; acknowledgements per second and
    their p50/p99, and apart from them the worker's drain rate until the queue is empty.

    .venv/bin/python bench/dossier_bench.py [--database-url …] [--duration 15] [--connections 4]
        [--only tracking,worklist,submissions,intake] [--json var/bench/dossiers.json]

Every measurement is bounded in time and count; every target is 127.0.0.1. Needs `wrk`
(Debian: apt-get install wrk) for (a). Results: docs/benchmarks.md, "Dossiers".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers"
HOST = "127.0.0.1"
REAL_PORT, MINIMAL_PORT, API_PORT = 8801, 8802, 8803
GOALS = {
    "tracking_ratio": 0.5,  # ours >= half the floor's rate
    "tracking_p99_ms": 50.0,
    "worklist_p95_ms": 50.0,
    "submissions_per_s": 300.0,
}
WRK_SCRIPT = """
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


# Online submission over HTTP: create the draft (201 with its public_id), then submit it with
# the same account; one wrk thread keeps the drafts waiting for their submit in a queue.
SUBMIT_SCRIPT = """
local token, bodies, pending, n = nil, {}, {}, 0
created, submitted, failed = 0, 0, 0
init = function(args)
  token = args[1]
  for line in io.lines(args[2]) do bodies[#bodies + 1] = line end
end
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Bearer " .. token,
                   ["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = "bench-" .. n .. "-" .. math.random(1000000000)}
  if #pending > 0 then
    local id = table.remove(pending, 1)
    return wrk.format("POST", "/api/v1/dossiers/" .. id .. "/actions/submit", headers, "{}")
  end
  return wrk.format("POST", "/api/v1/dossiers", headers, bodies[n % #bodies + 1])
end
response = function(status, headers, body)
  if status == 201 then
    created = created + 1
    local id = string.match(body, '"public_id":"([0-9a-f%-]+)"')
    if id then pending[#pending + 1] = id end
  elseif status == 200 then
    submitted = submitted + 1
  else
    failed = failed + 1
    if failed <= 3 then io.stderr:write(status .. " " .. string.sub(body, 1, 300) .. "\\n") end
  end
end
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
done = function(summary, latency, requests)
  local c, s, f = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); s = s + t:get("submitted"); f = f + t:get("failed")
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"created":%d,"submitted":%d,"failed":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, c, s, f, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, summary.errors.timeout))
end
"""


# Acknowledged submissions: one POST /api/v1/submissions per request, each with its own
# Idempotency-Key (a retry would replay, not create), cycling over the plan's bodies.
INTAKE_SCRIPT = """
local token, bodies, prefix, path, n = nil, {}, "", "", 0
acked, failed = 0, 0
init = function(args)
  token = args[1]
  for line in io.lines(args[2]) do bodies[#bodies + 1] = line end
  prefix = args[3] .. "-" .. math.random(1000000000)
  path = args[4]
end
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Bearer " .. token,
                   ["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = prefix .. "-" .. n}
  return wrk.format("POST", path, headers, bodies[n % #bodies + 1])
end
response = function(status, headers, body)
  if status == 202 then
    acked = acked + 1
  else
    failed = failed + 1
    if failed <= 3 then io.stderr:write(status .. " " .. string.sub(body, 1, 300) .. "\\n") end
  end
end
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
done = function(summary, latency, requests)
  local a, f = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("acked"); f = f + t:get("failed") end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"acked":%d,"failed":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, a, f, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, summary.errors.timeout))
end
"""


def say(text: str = "") -> None:
    print(text, flush=True)


def load() -> float:
    return os.getloadavg()[0]


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "p50": pick(50),
        "p95": pick(95),
        "p99": pick(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


# --- environment -----------------------------------------------------------------------------


def server_environment(url: str, static_root: str) -> dict:
    """The settings every server of the bench runs with (and this process too)."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # the default configuration: per-process cache for throttles
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or "bench-" + os.urandom(24).hex(),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        MOTCUA_PUBLIC_LOOKUP_RATE="1000000/min",  # measure the work, not the throttle's refusal
        LOG_LEVEL="WARNING",
        STATIC_ROOT=static_root,
        DJANGO_SETTINGS_MODULE="motcua.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
    )
    return env


class Server:
    """A gunicorn we start on 127.0.0.1 and stop (by its own pid) when done."""

    def __init__(self, app: str, port: int, env: dict, workers: int = 2):
        self.app, self.port, self.env, self.workers = app, port, env, workers
        self.process: subprocess.Popen | None = None
        # A file, not a pipe: a pipe nobody reads fills up (Django logs every 404) and blocks
        # the workers.
        self.log = Path(tempfile.gettempdir()) / f"motcua-bench-gunicorn-{port}.log"

    def __enter__(self) -> Server:
        gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    gunicorn,
                    "-w",
                    str(self.workers),
                    "-k",
                    "sync",
                    "-b",
                    f"{HOST}:{self.port}",
                    "--log-level",
                    "warning",
                    "--chdir",
                    str(ROOT),
                    self.app,
                ],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,  # its own process group: stopped as one, workers too
            )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{self.app} did not start on port {self.port}")
        # One request per worker so that imports and connections are warm before measuring.
        for _ in range(self.workers * 4):
            http_get(f"http://{HOST}:{self.port}/healthz")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group we started, workers too
                self.process.wait()
        self.log.unlink(missing_ok=True)


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- (a) tracking ------------------------------------------------------------------------------


def tracking_sample(size: int, seed: int) -> list[tuple[str, str, str]]:
    """(code, secret, state) of `size` dossiers, the same ones for a seed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, tracking_secret, state FROM dossiers_dossier WHERE code IS NOT NULL "
            "ORDER BY md5(code || %s) LIMIT %s",
            [str(seed), size],
        )
        return cursor.fetchall()


def per_state_sample(per_state: int) -> list[tuple[str, str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT code, tracking_secret, state FROM (
              SELECT code, tracking_secret, state,
                     row_number() OVER (PARTITION BY state ORDER BY md5(code)) AS n
              FROM dossiers_dossier WHERE code IS NOT NULL) ranked
            WHERE n <= %s ORDER BY state, code
            """,
            [per_state],
        )
        return cursor.fetchall()


def same_content(sample) -> tuple[int, list[str]]:
    """Ask both servers for each dossier (and a wrong secret); return (compared, differences)."""
    differences = []
    compared = 0
    for code, secret, state in sample:
        for given in (secret, "WRONGSECRET"):
            real = http_get(f"http://{HOST}:{REAL_PORT}/api/v1/tracking/{code}?secret={given}")
            floor = http_get(f"http://{HOST}:{MINIMAL_PORT}/track/{code}?secret={given}")
            compared += 1
            if real[0] != floor[0]:
                differences.append(f"{code} ({state}): status {real[0]} vs {floor[0]}")
                continue
            a, b = json.loads(real[1]), json.loads(floor[1])
            if a != b:
                keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                differences.append(
                    f"{code} ({state}): {keys}: {a.get(keys[0])!r} vs {b.get(keys[0])!r}"
                )
    return compared, differences


def run_wrk(
    url: str, script: Path, seconds: int, connections: int, args: list[str], timeout: str = "5s"
) -> dict:
    """wrk (1 thread) with a Lua script whose done() prints one JSON line: that line, parsed,
    with the first lines wrk wrote to stderr under "stderr"."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            timeout,
            "-s",
            str(script),
            url,
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    result = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("{")))
    result["stderr"] = out.stderr.strip().splitlines()[:3]
    return result


def wrk(base: str, paths_file: Path, script: Path, seconds: int, connections: int) -> dict:
    started_load = load()
    result = run_wrk(base, script, seconds, connections, [str(paths_file)])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["load_before"], result["load_after"] = started_load, load()
    return result


def bench_tracking(args, env, workdir: Path) -> dict:
    if shutil.which("wrk") is None:
        say("(a) tracking: skipped — wrk is not installed (apt-get install wrk)")
        return {"skipped": "wrk is not installed"}
    sample = tracking_sample(args.sample, args.seed)
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT)
    real_paths, floor_paths = workdir / "real.txt", workdir / "floor.txt"
    real_paths.write_text("".join(f"/api/v1/tracking/{c}?secret={s}\n" for c, s, _ in sample))
    floor_paths.write_text("".join(f"/track/{c}?secret={s}\n" for c, s, _ in sample))
    say(
        f"(a) tracking: {len(sample):,} dossiers sampled; gunicorn {args.workers} sync workers; "
        f"wrk 1 thread, {args.connections} connections, {args.duration} s per run after "
        f"{args.warmup} s of warm-up"
    )
    result: dict = {"sample": len(sample), "connections": args.connections, "runs": []}
    with (
        Server("motcua.wsgi:application", REAL_PORT, env),
        Server("tracking_minimal_app:application", MINIMAL_PORT, env),
    ):
        compared, differences = same_content(per_state_sample(12))
        result["content_compared"], result["content_differences"] = compared, differences
        say(f"    same JSON content: {compared - len(differences)}/{compared} answers identical")
        for line in differences[:5]:
            say(f"      differs: {line}")
    # One server driven at a time, so that the two never share the CPU while measured (the
    # other one idles); rounds alternate the order (ours, floor, floor, ours, …) so that a
    # change of the machine's load over the run weighs on both alike, and each round's ratio
    # compares two runs next to each other in time.
    targets = [
        ("ours", "motcua.wsgi:application", REAL_PORT, real_paths),
        ("floor", "tracking_minimal_app:application", MINIMAL_PORT, floor_paths),
    ]
    with (
        Server(targets[0][1], REAL_PORT, env, args.workers),
        Server(targets[1][1], MINIMAL_PORT, env, args.workers),
    ):
        for round_ in range(args.rounds):
            pair = {}
            for name, _app, port, paths in targets if round_ % 2 == 0 else targets[::-1]:
                base = f"http://{HOST}:{port}"
                wrk(base, paths, script, args.warmup, args.connections)
                run = wrk(base, paths, script, args.duration, args.connections)
                run.update(name=name, round=round_ + 1)
                result["runs"].append(run)
                pair[name] = run["rate"]
                say(
                    f"    round {round_ + 1} {name:<5} {run['rate']:8,.0f} req/s  "
                    f"p50 {run['p50_us'] / 1000:6.2f} ms  p99 {run['p99_us'] / 1000:6.2f} ms  "
                    f"errors {run['errors']}  "
                    f"load {run['load_before']:.2f}→{run['load_after']:.2f}"
                )
            result.setdefault("round_ratios", []).append(pair["ours"] / pair["floor"])
    for name in ("ours", "floor"):
        runs = [r for r in result["runs"] if r["name"] == name]
        result[name] = {
            "rate": statistics.fmean(r["rate"] for r in runs),
            "p50_ms": statistics.fmean(r["p50_us"] for r in runs) / 1000,
            "p99_ms": statistics.fmean(r["p99_us"] for r in runs) / 1000,
            "errors": sum(r["errors"] for r in runs),
        }
    result["ratio"] = result["ours"]["rate"] / result["floor"]["rate"]
    result["ratio_median_of_rounds"] = statistics.median(result["round_ratios"])
    say(
        f"    ours {result['ours']['rate']:,.0f} req/s (p99 {result['ours']['p99_ms']:.1f} ms) "
        f"vs floor {result['floor']['rate']:,.0f} req/s: ratio {result['ratio']:.2f} "
        f"(per round: {', '.join(f'{r:.2f}' for r in result['round_ratios'])}; median "
        f"{result['ratio_median_of_rounds']:.2f}) "
        f"(goal ≥ {GOALS['tracking_ratio']}, p99 < {GOALS['tracking_p99_ms']:.0f} ms)"
    )
    return result


# --- (b) worklists ------------------------------------------------------------------------------


def bench_worklist(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from motcua.agencies.models import Agency, Membership
    from motcua.dossiers import selectors
    from motcua.dossiers.lifecycle import OPEN_STATES
    from motcua.dossiers.models import Dossier

    open_states = sorted(OPEN_STATES)
    busy = dict(
        Dossier.objects.filter(state__in=open_states)
        .values_list("current_agency")
        .annotate(n=Count("id"))
    )
    agencies = list(Agency.objects.filter(id__in=busy).order_by("e_id"))
    users = get_user_model().objects

    def member(agency, role):
        m = (
            Membership.objects.filter(
                agency=agency, role=role, is_active=True, user__username__startswith="bench."
            )
            .order_by("user__username")
            .first()
        )
        return users.get(pk=m.user_id) if m else None

    # The officer with the most assigned work, for "mine".
    top_officer = (
        Dossier.objects.filter(state__in=selectors.WORK_STATES)
        .exclude(current_officer=None)
        .values("current_officer")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )

    queries = {}
    for agency in agencies:
        leader = member(agency, "leader") or member(agency, "specialist")
        clerk = member(agency, "receptionist")

        def orm(agency=agency):
            return list(
                Dossier.objects.filter(current_agency=agency, state__in=open_states)
                .select_related("procedure", "receiving_agency", "current_officer")
                .order_by("due_at", "id")[:20]
            )

        queries.setdefault("orm: open at the agency by due time, first 20", []).append(
            (agency.e_id, busy[agency.id], orm)
        )
        if leader is not None:
            queries.setdefault("selectors.overdue(user)[:20]", []).append(
                (agency.e_id, busy[agency.id], lambda u=leader: list(selectors.overdue(u)[:20]))
            )
            queries.setdefault("selectors.due_soon(user)[:20]", []).append(
                (agency.e_id, busy[agency.id], lambda u=leader: list(selectors.due_soon(u)[:20]))
            )
            queries.setdefault(
                "filter_dossiers(visible_to(user), open) by due, page 1 + count", []
            ).append((agency.e_id, busy[agency.id], lambda u=leader: _visible_page(u)))
        if clerk is not None:
            queries.setdefault("selectors.to_receive(receptionist)[:20]", []).append(
                (agency.e_id, busy[agency.id], lambda u=clerk: list(selectors.to_receive(u)[:20]))
            )
    if top_officer:
        officer = users.get(pk=top_officer["current_officer"])
        queries["selectors.mine(busiest officer)[:20]"] = [
            (officer.username, top_officer["n"], lambda u=officer: list(selectors.mine(u)[:20]))
        ]

    say(
        f"(b) worklists: {len(agencies)} agencies with open dossiers "
        f"({sum(busy.values()):,} open in all, largest {max(busy.values()):,}); "
        f"{args.repeat} runs per agency and query"
    )
    result = {"agencies": len(agencies), "open": sum(busy.values()), "queries": {}}
    deadline = time.monotonic() + args.worklist_seconds
    for name, cases in queries.items():
        for _who, _n, call in cases:  # warm-up: plans, caches
            call()
        timings, worst = [], (0.0, "")
        for _ in range(args.repeat):
            for who, _n, call in cases:
                t0 = time.perf_counter()
                call()
                ms = (time.perf_counter() - t0) * 1000
                timings.append(ms)
                worst = max(worst, (ms, who))
            if time.monotonic() > deadline:
                break
        stats = percentiles(timings)
        stats["worst"] = worst[1]
        result["queries"][name] = stats
        say(
            f"    {name:<62} p50 {stats['p50']:6.2f}  p95 {stats['p95']:6.2f}  "
            f"p99 {stats['p99']:6.2f}  max {stats['max']:6.2f} ms ({stats['n']} runs; "
            f"slowest: {stats['worst']})"
        )
    result["p95_max"] = max(q["p95"] for q in result["queries"].values())
    result["load"] = load()
    return result


def _visible_page(user) -> int:
    from motcua.dossiers import selectors

    qs = selectors.filter_dossiers(
        selectors.dossiers_visible_to(user), state=list(selectors.ACTIVE_STATES)
    ).order_by("due_at", "id")
    list(qs[:20])
    return qs.count()


# --- (c) submissions ---------------------------------------------------------------------------


def dossier_api_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        match = resolve("/api/v1/dossiers")
    except Resolver404:
        return False
    return match.url_name not in (None, "") and "not_found" not in (match.func.__name__ or "")


def _submission_plan(seed: int, count: int) -> list[dict]:
    """Online applications as a citizen would file them: procedure, applicant, commune."""
    from motcua.agencies.models import Agency, AgencyKind
    from motcua.catalog.models import Procedure

    communes = sorted(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE, is_active=True)
        .exclude(unit=None)
        .values_list("unit__code", flat=True)
    )
    procedures = list(
        Procedure.objects.filter(status="active", current_version__online__in=["full", "partial"])
        .exclude(agencies=None)
        .order_by("code")
        .values_list("code", flat=True)
    )
    rng = random.Random(seed)
    plan = []
    for i in range(count):
        sex = i % 2
        plan.append(
            {
                "procedure_code": rng.choice(procedures),
                "applicant": {
                    "kind": "citizen",
                    "name": f"Người nộp thử {i}",
                    "id_number": f"022{sex}{rng.randint(60, 99)}{rng.randint(0, 999999):06d}",
                    "phone": f"09{rng.randint(0, 99999999):08d}",
                    "address": "Số 1 đường Hạ Long",
                    "commune": rng.choice(communes) if communes else None,
                },
            }
        )
    return plan


def _submit_worker(job) -> list[float]:
    """Create and submit dossiers until the deadline or the end of the plan (one process)."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from motcua.dossiers import services

    connections.close_all()  # never share the parent's connection
    plan, user_ids, deadline = job
    users = list(get_user_model().objects.filter(pk__in=user_ids))
    latencies = []
    for i, item in enumerate(plan):
        if time.monotonic() > deadline:
            break
        user = users[i % len(users)]
        t0 = time.perf_counter()
        dossier = services.create_dossier(channel="online", actor=user, **item)
        services.submit(dossier, user)
        latencies.append((time.perf_counter() - t0) * 1000)
    connections.close_all()
    return latencies


def bench_submissions(args, env, workdir: Path) -> dict:
    mode = args.submissions_mode
    if mode == "auto":
        mode = "http" if dossier_api_exists() and shutil.which("wrk") else "services"
    if mode == "http":
        return bench_submissions_http(args, env, workdir)
    return bench_submissions_services(args)


def bench_applicant():
    """The first generated applicant account (bench.citizen.N), or None before generation."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(username__startswith="bench.citizen.")
        .order_by("username")
        .first()
    )


def submission_bodies(seed: int, n: int, **extra) -> list[dict]:
    """n online-submission bodies (POST /api/v1/dossiers, channel 2) with `extra` fields."""
    return [
        {
            "procedure": item["procedure_code"],
            "channel": 2,
            **extra,
            "applicant": {k: v for k, v in item["applicant"].items() if v is not None},
        }
        for item in _submission_plan(seed, n)
    ]


def _write_bodies(path: Path, bodies: list[dict]) -> Path:
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies))
    return path


def bench_submissions_http(args, env, workdir: Path) -> dict:
    """POST /api/v1/dossiers (online draft) then POST …/actions/submit, through gunicorn."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    user = bench_applicant()
    if user is None:
        return {"skipped": "no bench.citizen accounts: run bench/generate_dossiers.py first"}
    token, token_created = Token.objects.get_or_create(user=user)
    bodies = _write_bodies(workdir / "bodies.txt", submission_bodies(args.seed, 2000))
    script = workdir / "submit.lua"
    script.write_text(SUBMIT_SCRIPT)
    label = (
        f"HTTP: POST /api/v1/dossiers + POST …/actions/submit (Idempotency-Key), "
        f"gunicorn {args.workers} workers"
    )
    say(
        f"(c) submissions ({label}): wrk 1 thread, {args.connections} connections, "
        f"{args.duration} s"
    )
    marks = _high_water_marks(connection)
    try:
        with Server("motcua.wsgi:application", API_PORT, env, args.workers):
            load_before = load()
            run = run_wrk(
                f"http://{HOST}:{API_PORT}",
                script,
                args.duration,
                args.connections,
                [token.key, str(bodies)],
                timeout="10s",
            )
            load_after = load()
    finally:
        removed = _remove_since(connection, marks)
        if token_created:
            token.delete()
    seconds = run["duration_us"] / 1e6
    result = {
        "label": label,
        "connections": args.connections,
        "seconds": seconds,
        "created": run["created"],
        "dossiers": run["submitted"],
        "failed": run["failed"],
        "rate": run["submitted"] / seconds,
        "requests_per_s": run["requests"] / seconds,
        "latency_ms": {k: run[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "max")},
        "removed_rows": removed,
        "load_before": load_before,
        "load_after": load_after,
        "errors_sample": run["stderr"],
    }
    say(
        f"    {result['rate']:,.0f} submissions acknowledged/s ({run['submitted']} submitted, "
        f"{run['created']} drafts, {run['failed']} failed, {result['requests_per_s']:,.0f} "
        f"requests/s); per request p50 {result['latency_ms']['p50']:.1f} ms, p99 "
        f"{result['latency_ms']['p99']:.1f} ms (goal {GOALS['submissions_per_s']:.0f}/s); "
        f"{removed} rows removed afterwards; load {load_before:.2f}→{load_after:.2f}"
    )
    for line in result["errors_sample"]:
        say(f"      failed: {line}")
    return result


def bench_submissions_services(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    label = "stand-in: services.create_dossier + submit, no HTTP"
    users = list(
        get_user_model()
        .objects.filter(username__startswith="bench.citizen.")
        .order_by("username")
        .values_list("pk", flat=True)[:200]
    )
    if not users:
        return {"skipped": "no bench.citizen accounts: run bench/generate_dossiers.py first"}
    marks = _high_water_marks(connection)
    plan = _submission_plan(args.seed, args.submissions)
    jobs = args.submission_processes
    deadline = time.monotonic() + args.duration
    say(
        f"(c) submissions ({label}): {jobs} processes, at most {len(plan)} dossiers or "
        f"{args.duration} s"
    )
    connections.close_all()
    load_before = load()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(_submit_worker, [(plan[i::jobs], users, deadline) for i in range(jobs)])
    seconds = time.perf_counter() - started
    latencies = [ms for part in parts for ms in part]
    stats = percentiles(latencies)
    removed = _remove_since(connection, marks)
    result = {
        "label": label,
        "processes": jobs,
        "dossiers": len(latencies),
        "seconds": seconds,
        "rate": len(latencies) / seconds,
        "latency_ms": stats,
        "removed_rows": removed,
        "load_before": load_before,
        "load_after": load(),
    }
    say(
        f"    {result['rate']:,.0f} submissions/s ({len(latencies)} in {seconds:.1f} s); "
        f"per submission p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms "
        f"(goal {GOALS['submissions_per_s']:.0f}/s); {removed} rows removed afterwards"
    )
    return result


# --- (d) acknowledged submissions (online intake) -------------------------------------------------


class CeleryWorker:
    """`motcua worker` on the bench database and its own Redis database, in its own process
    group, stopped (by its pid) when done."""

    def __init__(self, env: dict, concurrency: int, nice: int = 0):
        self.env, self.concurrency, self.nice = env, concurrency, nice
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / "motcua-bench-celery.log"

    def __enter__(self) -> CeleryWorker:
        motcua = shutil.which("motcua", path=str(ROOT / ".venv" / "bin")) or "motcua"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    motcua,
                    "worker",
                    f"--concurrency={self.concurrency}",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--hostname=motcua-bench@%h",
                ],
                env=self.env,
                cwd=str(ROOT),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Lower priority: the acknowledgements (interactive) before the backlog.
                preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,
            )
        deadline = time.monotonic() + 60
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = self.log.read_text(errors="replace")[-2000:]
                self.__exit__()
                raise RuntimeError(f"the Celery worker did not start: {text}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            # Warm shutdown: the main process stops its pool; tasks not yet run stay in Redis
            # (in batch mode, no-op tasks for rows already processed), flushed afterwards.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.errors = [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if "ERROR" in line or "Traceback" in line
        ][:5]
        self.log.unlink(missing_ok=True)


def _intake_counts(connection, since) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, count(*), min(created_at), max(processed_at) FROM dossiers_submission "
            "WHERE created_at >= %s GROUP BY state",
            [since],
        )
        rows = cursor.fetchall()
    counts = {state: n for state, n, _first, _last in rows}
    counts["first_ack"] = min((r[2] for r in rows), default=None)
    counts["last_processed"] = max((r[3] for r in rows if r[3] is not None), default=None)
    return counts


def bench_intake(args, env, workdir: Path) -> dict:
    """POST /api/v1/submissions through gunicorn while a Celery worker drains the queue; then
    wait until the queue is empty. Acknowledgements and processing are reported apart."""
    import redis
    from django.db import connection
    from rest_framework.authtoken.models import Token

    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed"}
    user = bench_applicant()
    if user is None:
        return {"skipped": "no bench.citizen accounts: run bench/generate_dossiers.py first"}
    token, token_created = Token.objects.get_or_create(user=user)
    bodies = _write_bodies(
        workdir / "intake-bodies.txt", submission_bodies(args.seed, 2000, submit=True)
    )
    script = workdir / "intake.lua"
    script.write_text(INTAKE_SCRIPT)
    broker = redis.Redis.from_url(args.intake_redis_url)
    broker.flushdb()  # the bench's own Redis database: no stale tasks
    intake_env = {
        **env,
        "REDIS_URL": args.intake_redis_url,
        "MOTCUA_INTAKE_BATCH": str(args.intake_batch),
        "LOG_LEVEL": "WARNING",
    }
    worker_env = dict(intake_env)
    if args.intake_db_reuse_max:
        # Celery's Django fix-up closes the database connections before and after every task
        # unless CELERY_DB_REUSE_MAX is set: a settings module of the run's own sets it.
        (workdir / "intake_worker_settings.py").write_text(
            "from motcua.settings import *  # noqa: F403\n"
            f"CELERY_DB_REUSE_MAX = {args.intake_db_reuse_max}\n"
        )
        worker_env["DJANGO_SETTINGS_MODULE"] = "intake_worker_settings"
        worker_env["PYTHONPATH"] = os.pathsep.join([str(workdir), env["PYTHONPATH"]])
    during = "after the load" if args.intake_worker_after else "during the load"
    label = (
        f"HTTP: POST /api/v1/submissions (Idempotency-Key), gunicorn {args.workers} workers; "
        f"Celery worker ({args.intake_concurrency} processes, batch {args.intake_batch}"
        f"{f', nice {args.intake_worker_nice}' if args.intake_worker_nice else ''}"
        f"{f', db reuse {args.intake_db_reuse_max}' if args.intake_db_reuse_max else ''}) "
        f"{during}{'; through DRF (?format=json)' if args.intake_via_drf else ''}"
    )
    say(
        f"(d) acknowledged submissions ({label}): wrk 1 thread, {args.connections} "
        f"connections, {args.duration} s"
    )
    marks = _high_water_marks(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        since = cursor.fetchone()[0]
    worker = CeleryWorker(worker_env, args.intake_concurrency, args.intake_worker_nice)
    loads = []
    try:
        with Server("motcua.wsgi:application", API_PORT, intake_env, args.workers):
            if not args.intake_worker_after:
                worker.__enter__()
            load_before = load()
            started = time.time()
            run = run_wrk(
                f"http://{HOST}:{API_PORT}",
                script,
                args.duration,
                args.connections,
                [
                    token.key,
                    str(bodies),
                    f"bench{int(started)}",
                    "/api/v1/submissions" + ("?format=json" if args.intake_via_drf else ""),
                ],
                timeout="10s",
            )
            load_after_acks = load()
        at_wrk_end = _intake_counts(connection, since)
        if args.intake_worker_after:
            worker.__enter__()
        drain_start = time.time()
        deadline = drain_start + args.intake_drain_timeout
        while True:
            counts = _intake_counts(connection, since)
            loads.append(load())
            if not counts.get("queued") or time.time() > deadline:
                break
            time.sleep(0.5)
        drain_seconds = time.time() - drain_start
        worker.__exit__()
        load_after = load()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM processed_at - created_at) FROM dossiers_submission "
                "WHERE created_at >= %s AND state = 'done'",
                [since],
            )
            waits = [float(w) for (w,) in cursor.fetchall()]
            cursor.execute(
                "SELECT error->>'code', count(*) FROM dossiers_submission "
                "WHERE created_at >= %s AND state = 'failed' GROUP BY 1",
                [since],
            )
            failed_codes = dict(cursor.fetchall())
    finally:
        if worker.process is not None and worker.process.poll() is None:
            worker.__exit__()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM dossiers_submission WHERE created_at >= %s", [since])
            removed = cursor.rowcount
        removed += _remove_since(connection, marks)
        if token_created:
            token.delete()
        broker.flushdb()
    seconds = run["duration_us"] / 1e6
    done, failed = counts.get("done", 0), counts.get("failed", 0)
    processed_during = at_wrk_end.get("done", 0) + at_wrk_end.get("failed", 0)
    result = {
        "label": label,
        "connections": args.connections,
        "batch": args.intake_batch,
        "worker_processes": args.intake_concurrency,
        "worker_after_load": args.intake_worker_after,
        "worker_nice": args.intake_worker_nice,
        "worker_db_reuse_max": args.intake_db_reuse_max,
        "seconds": seconds,
        "acknowledged": run["acked"],
        "refused": run["failed"],
        "rate": run["acked"] / seconds,
        "latency_ms": {k: run[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "max")},
        "processed_during_load": processed_during,
        "processed_during_load_per_s": processed_during / seconds,
        "queued_at_load_end": at_wrk_end.get("queued", 0),
        "done": done,
        "failed": failed,
        "failed_codes": failed_codes,
        "still_queued": counts.get("queued", 0),
        "drain_seconds_after_load": drain_seconds,
        "removed_rows": removed,
        "load_before": load_before,
        "load_after_acks": load_after_acks,
        "load_during_drain_max": max(loads, default=None),
        "load_after": load_after,
        "errors_sample": run["stderr"],
        "worker_errors": getattr(worker, "errors", []),
    }
    if counts.get("first_ack") and counts.get("last_processed"):
        # From the first acknowledgement to the last row processed: the sustained rate.
        span = (counts["last_processed"] - counts["first_ack"]).total_seconds()
        result["drain_rate"] = (done + failed) / span if span > 0 else None
        if args.intake_worker_after:
            result["drain_rate"] = (done + failed) / drain_seconds
    if waits:
        result["ack_to_dossier_s"] = percentiles(waits)
    lat = result["latency_ms"]
    say(
        f"    {result['rate']:,.0f} acknowledgements/s ({run['acked']} in {seconds:.1f} s, "
        f"{run['failed']} refused); p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms; load "
        f"{load_before:.2f}→{load_after_acks:.2f}"
    )
    say(
        f"    processed while loading: {processed_during} ({result['processed_during_load_per_s']:.0f}/s); "
        f"queued at the end of the load: {result['queued_at_load_end']}; drained in "
        f"{drain_seconds:.0f} s after it (max load {result['load_during_drain_max'] or 0:.2f})"
    )
    say(
        f"    worker drain rate: {result.get('drain_rate') or 0:,.1f} submissions/s ({done} done, "
        f"{failed} failed {failed_codes or ''}, {result['still_queued']} still queued); "
        f"acknowledgement → dossier p50 {result.get('ack_to_dossier_s', {}).get('p50', 0):.1f} s, "
        f"max {result.get('ack_to_dossier_s', {}).get('max', 0):.1f} s; {removed} rows removed"
    )
    for line in result["errors_sample"] + result["worker_errors"]:
        say(f"      error: {line}")
    return result


_CREATED_TABLES = (
    "dossiers_event",
    "dossiers_steprecord",
    "dossiers_pause",
    "dossiers_apology",
    "dossiers_attachment",
    "dossiers_idempotencykey",
    "dossiers_dossier",
    "dossiers_codesequence",
)


def _high_water_marks(connection) -> dict:
    """The last id of each table the submissions write to, and the code sequences they may
    advance (today's, in Vietnam), so that _remove_since can put everything back."""
    with connection.cursor() as cursor:
        marks = {}
        for table in _CREATED_TABLES:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id, last FROM dossiers_codesequence "
            "WHERE day >= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - 1"
        )
        marks["sequences"] = cursor.fetchall()
        return marks


def _remove_since(connection, marks: dict) -> int:
    """Delete what the submissions created (rows above the marks), children first, and give
    the code sequences that existed before their last numbers back."""
    removed = 0
    with connection.cursor() as cursor:
        for table in _CREATED_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])
            removed += cursor.rowcount
        for pk, last in marks["sequences"]:
            cursor.execute("UPDATE dossiers_codesequence SET last = %s WHERE id = %s", [last, pk])
    return removed


# --- main ---------------------------------------------------------------------------------------


def summarize(report: dict) -> None:
    """Each number against its goal."""
    lines = []
    tracking = report.get("tracking") or {}
    if "ratio" in tracking:
        lines.append(
            (
                "tracking: ours / floor (req/s)",
                f"{tracking['ratio']:.2f}",
                f"≥ {GOALS['tracking_ratio']}",
                tracking["ratio"] >= GOALS["tracking_ratio"],
            )
        )
        p99 = tracking["ours"]["p99_ms"]
        lines.append(
            (
                "tracking: our p99",
                f"{p99:.1f} ms",
                f"< {GOALS['tracking_p99_ms']:.0f} ms",
                p99 < GOALS["tracking_p99_ms"],
            )
        )
    worklist = report.get("worklist") or {}
    for name, stats in (worklist.get("queries") or {}).items():
        lines.append(
            (
                f"worklist p95: {name}",
                f"{stats['p95']:.1f} ms",
                f"< {GOALS['worklist_p95_ms']:.0f} ms",
                stats["p95"] < GOALS["worklist_p95_ms"],
            )
        )
    submissions = report.get("submissions") or {}
    if "rate" in submissions:
        lines.append(
            (
                f"submissions/s ({submissions['label']})",
                f"{submissions['rate']:.0f}",
                f"≥ {GOALS['submissions_per_s']:.0f}",
                submissions["rate"] >= GOALS["submissions_per_s"],
            )
        )
    intake = report.get("intake") or {}
    if "rate" in intake:
        lines.append(
            (
                "intake: acknowledgements/s (POST /api/v1/submissions)",
                f"{intake['rate']:.0f}",
                f"≥ {GOALS['submissions_per_s']:.0f}",
                intake["rate"] >= GOALS["submissions_per_s"],
            )
        )
    if intake.get("drain_rate"):
        lines.append(
            (
                "intake: worker drain rate (dossiers created and submitted/s)",
                f"{intake['drain_rate']:.0f}",
                f"≥ {GOALS['submissions_per_s']:.0f}",
                intake["drain_rate"] >= GOALS["submissions_per_s"],
            )
        )
    if lines:
        say("summary:")
        for what, value, goal, ok in lines:
            say(f"    {'met ' if ok else 'MISS'}  {what:<78} {value:>10}  (goal {goal})")
    report["summary"] = [
        {"measure": what, "value": value, "goal": goal, "met": ok}
        for what, value, goal, ok in lines
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--only", default="tracking,worklist,submissions,intake")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4, help="runs of each tracking server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--sample", type=int, default=20_000, help="dossiers tracked by wrk")
    parser.add_argument("--repeat", type=int, default=30, help="worklist runs per agency")
    parser.add_argument("--worklist-seconds", type=int, default=120)
    parser.add_argument("--submissions", type=int, default=20_000, help="at most this many")
    parser.add_argument(
        "--submission-processes",
        type=int,
        default=2,
        help="processes of the stand-in (service calls)",
    )
    parser.add_argument(
        "--submissions-mode",
        choices=["auto", "http", "services"],
        default="auto",
        help="auto: HTTP when the dossier API exists",
    )
    parser.add_argument(
        "--intake-batch", type=int, default=1, help="(d) MOTCUA_INTAKE_BATCH of the worker"
    )
    parser.add_argument(
        "--intake-concurrency", type=int, default=2, help="(d) Celery worker processes"
    )
    parser.add_argument(
        "--intake-redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="(d) broker: a Redis database of the bench's own (flushed before and after)",
    )
    parser.add_argument("--intake-drain-timeout", type=int, default=900, help="(d) seconds")
    parser.add_argument(
        "--intake-db-reuse-max",
        type=int,
        default=0,
        help="(d) CELERY_DB_REUSE_MAX for the worker (0: the project's settings, where Celery "
        "reconnects to the database for every task)",
    )
    parser.add_argument(
        "--intake-worker-nice",
        type=int,
        default=0,
        help="(d) run the Celery worker at this niceness (e.g. 10: acknowledgements first)",
    )
    parser.add_argument(
        "--intake-worker-after",
        action="store_true",
        help="(d) start the worker only after the load: acknowledgements and drain measured "
        "apart, each with the machine to itself",
    )
    parser.add_argument(
        "--intake-via-drf",
        action="store_true",
        help="(d) send the acknowledgements through DRF's view (`?format=json`) instead of the "
        "plain view of the common path, for comparison",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    with tempfile.TemporaryDirectory(prefix="motcua-dossier-bench-") as tmp:
        env = server_environment(args.database_url, str(Path(tmp) / "static"))
        (Path(tmp) / "static").mkdir()
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
        from django.db import connection

        from motcua.dossiers.models import Dossier, Event

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        dossiers, events = Dossier.objects.count(), Event.objects.count()
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
            "python": platform.python_version(),
            "postgresql": version,
            "database": connection.settings_dict["NAME"],
            "dossiers": dossiers,
            "events": events,
            "load_start": load(),
            "goals": GOALS,
        }
        say(
            f"dataset: {dossiers:,} dossiers, {events:,} events in {report['database']} "
            f"(PostgreSQL {version}); {report['machine']}; load {report['load_start']:.2f}"
        )
        if dossiers == 0:
            say("no dossiers: run bench/generate_dossiers.py first")
            return 2
        if "tracking" in only:
            report["tracking"] = bench_tracking(args, env, Path(tmp))
        if "worklist" in only:
            report["worklist"] = bench_worklist(args)
        if "submissions" in only:
            report["submissions"] = bench_submissions(args, env, Path(tmp))
        if "intake" in only:
            report["intake"] = bench_intake(args, env, Path(tmp))
        report["load_end"] = load()
        summarize(report)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
            say(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
