#!/usr/bin/env python3
"""The load test, one command: a production-like stack on 127.0.0.1 under the deadline-day mix.

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python loadtest/run.py                    # 100 users for 3 minutes
    .venv/bin/python loadtest/run.py --smoke            # 20 users for 30 s (CI)

Starts nginx on 127.0.0.1:8115 (the deploy/nginx site without TLS; where nginx is not
installed, or with --no-nginx, gunicorn alone listens there) in front of gunicorn (DEBUG
off, processes from the CPU count) and two workers, against a scratch PostgreSQL database
and Redis (key prefix of its own); creates the users, each company with members in the
register (so reconciliation finds utrukne to answer), runs locust headless
(loadtest/locustfile.py), then waits for the workers and checks that every accepted
submission is there with its file's checksum and every row. Prints throughput and
p50/p95/p99 per page; exit status 1 on any error or lost submission. Stops by itself;
nothing but 127.0.0.1 is contacted. Each simulated person has an address of their own
(locust's X-Forwarded-For, taken by nginx's realip as a client's address would be).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, employer_email, staff_email, staff_totp_secret
from stack import PYTHON, ROOT, Stack, read_jsonl

from trekkportal import gunicorn_conf  # its default number of web processes

SEED = """
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from trekkportal.accounts.models import Company, CompanyAccess, NdaAcceptance, User
from trekkportal.accounts.nda import current_nda_version
from trekkportal.lib.identity import make_valid_nin, make_valid_orgnr
from trekkportal.lib.periods import Period
from trekkportal.members.services import register_member, start_employment
import datetime as dt, json, sys
spec = json.loads(sys.stdin.read())
version = current_nda_version()
hashed = make_password(spec["password"])  # one Argon2 hash for all: setup stays quick
since = Period.of(dt.date.today()).previous().previous()
seen = set()
for n, email in enumerate(spec["employers"]):
    user = User.objects.create(email=email, password=hashed, name=f"Lønn {n}")
    orgnr = make_valid_orgnr(95000000 + n * 100)
    company = Company.objects.create(name=f"Last {n} AS", orgnr=orgnr)
    CompanyAccess.objects.create(user=user, company=company)
    NdaAcceptance.objects.create(user=user, version=version)
    # Members the company's lists (random numbers) will not have: utrukne after each list.
    for m in range(spec["members_per_company"]):
        birth, individual = dt.date(1960 + (n + m) % 40, 1 + m % 12, 1 + n % 28), 0
        while (nin := make_valid_nin(birth, individual)) in seen:
            individual += 1
        seen.add(nin)
        member = register_member(nin=nin, name=f"Medlem {m}, Last {n}")
        start_employment(member=member, company=company, from_period=since)
for email, secret in spec["staff"]:
    user = User.objects.create(email=email, password=hashed, is_staff=True, is_superuser=True)
    NdaAcceptance.objects.create(user=user, version=version)
    TOTP.activate(user, secret)
print("seeded")
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except OSError:
        mem = 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load average {load:.1f} "
        "at the start (the machine is shared)"
    )


def report(stats_csv: Path) -> tuple[list[dict], dict]:
    rows = []
    total = {}
    with open(stats_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            entry = {
                "page": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                rows.append(entry)
    return rows, total


def percentiles(values: list[int]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(q: float) -> int:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.5)} ms, p95 {at(0.95)} ms, p99 {at(0.99)} ms, max {ordered[-1]} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="3m")
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--port", type=int, default=8115)
    parser.add_argument("--web-port", type=int, default=8114, help="gunicorn's, behind nginx")
    parser.add_argument("--no-nginx", action="store_true", help="gunicorn alone on --port")
    parser.add_argument("--members-per-company", type=int, default=5)
    parser.add_argument("--web-processes", type=int, default=None, help="default: 2 x CPUs + 1")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per web process")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="20 users for 30 s (CI)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trekkportal"
        ),
        help="a PostgreSQL server on 127.0.0.1; the scratch database is <name>_load",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--steady",
        action="store_true",
        help="figures from after all users are spawned and logged in (locust --reset-stats)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.users, args.spawn_rate, args.run_time, args.staff = 20, 10, "30s", 2

    employers = max(1, args.users - args.staff)
    stack = Stack(
        "load",
        database_url=args.database_url,
        redis_url=args.redis_url,
        SITE_URL=f"http://127.0.0.1:{args.port}",
    )
    accepted_path = stack.root / "accepted.jsonl"
    times_path = stack.root / "times.json"
    print(f"Machine: {machine()}", flush=True)
    started = time.monotonic()
    try:
        stack.create()
        spec = {
            "password": PASSWORD,
            "employers": [employer_email(n) for n in range(employers)],
            "staff": [(staff_email(n), staff_totp_secret(n)) for n in range(args.staff)],
            "members_per_company": args.members_per_company,
        }
        stack.manage("shell", "-c", SEED, stdin=json.dumps(spec))
        behind_nginx = not args.no_nginx and shutil.which("nginx") is not None
        if behind_nginx:
            stack.web(args.web_port, processes=args.web_processes, threads=args.web_threads)
            stack.nginx(args.port, upstream=args.web_port)
        else:
            stack.web(args.port, processes=args.web_processes, threads=args.web_threads)
        print(
            "Serving: "
            + ("nginx → gunicorn" if behind_nginx else "gunicorn alone (no nginx installed)")
            + f" ({args.web_processes or gunicorn_conf.workers} processes"
            f" x {args.web_threads} threads), {args.workers} workers",
            flush=True,
        )
        for n in range(args.workers):
            stack.worker(str(n + 1))
        print(f"Stack ready in {time.monotonic() - started:.0f} s; locust starts.", flush=True)
        env = {
            **os.environ,
            "LOADTEST_ACCEPTED": str(accepted_path),
            "LOADTEST_TIMES": str(times_path),
            "LOADTEST_STEADY": "1" if args.steady else "",
            "LOADTEST_EMPLOYERS": str(employers),
            "LOADTEST_STAFF": str(args.staff),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "loadtest"), str(ROOT)]),
        }
        prefix = stack.root / "locust"
        subprocess.run(
            [
                PYTHON, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"),
                "--headless", "--only-summary",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
                "--host", f"http://127.0.0.1:{args.port}",
                "--csv", str(prefix), "--stop-timeout", "10", "--exit-code-on-error", "0",
                "--loglevel", "WARNING",
                *(["--reset-stats"] if args.steady else []),
            ],
            env=env, cwd=ROOT, check=True, timeout=3600,
        )  # fmt: skip
        quiet = stack.wait_until_quiet(timeout=180)

        rows, total = report(Path(f"{prefix}_stats.csv"))
        accepted = read_jsonl(accepted_path)
        files = stack.files()
        lost, wrong = [], []
        for record in accepted:
            found = files.get(record["submission"])
            if found is None or found["name"] != record["name"]:
                lost.append(record["submission"])
            elif (
                found["sha256"] != record["sha256"]
                or stack.stored_sha256(found["stored"]) != record["sha256"]
                or found["state"] != "done"
                or found["lines"] != record["rows"]
            ):
                wrong.append(record["submission"])
        heading = ("page", "requests", "errors", "req/s", "p50", "p95", "p99")
        print("\n{:<24} {:>8} {:>6} {:>7} {:>6} {:>6} {:>6}".format(*heading))
        for r in [*rows, total]:
            print(
                f"{r['page']:<24} {r['requests']:>8} {r['failures']:>6} {r['rps']:>7.1f} "
                f"{r['p50']:>6} {r['p95']:>6} {r['p99']:>6}"
            )
        print(
            f"\nSubmissions accepted: {len(accepted)}; in the database with equal checksums and "
            f"every row: {len(accepted) - len(lost) - len(wrong)}; lost: {len(lost)}; "
            f"different: {len(wrong)}; workers finished: {'yes' if quiet else 'NO'}"
        )
        times = json.loads(times_path.read_text()) if times_path.exists() else {}
        pages = [ms for ms, _failed in times.get("pages", [])]
        receipts, unfinished = times.get("receipts", []), times.get("unfinished", [])
        print(f"Every request but logging in ({len(pages)}): {percentiles(pages)}")
        print(
            f"'Send inn' to a finished receipt ({len(receipts)}, unfinished after 60 s: "
            f"{len(unfinished)}): {percentiles(receipts)}"
        )
        goal = total and total["failures"] == 0 and int(total["p95"] or 10**9) <= 300
        verdict = "met" if goal and args.users >= 100 else "not met"
        print(f"Goal (100 users or more, p95 of every request at most 300 ms, 0 errors): {verdict}")
        summary = {
            "machine": machine(),
            "nginx": behind_nginx,
            "users": args.users,
            "run_time": args.run_time,
            "pages": rows,
            "total": total,
            "accepted": len(accepted),
            "lost": lost,
            "different": wrong,
            "after_login": percentiles(pages),
            "receipts": percentiles(receipts),
            "receipts_unfinished": len(unfinished),
        }
        (stack.root / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        ok = (
            total.get("failures", 1) == 0
            and not lost
            and not wrong
            and not unfinished
            and quiet
            and accepted
        )
        return 0 if ok else 1
    finally:
        if args.keep:
            stack.stop_all()
        else:
            stack.drop()


if __name__ == "__main__":
    sys.exit(main())
