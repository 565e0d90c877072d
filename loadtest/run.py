#!/usr/bin/env python3
"""The load test, one command: a production-like stack on 127.0.0.1 under the deadline-day mix.

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python loadtest/run.py                    # 100 users for 3 minutes
    .venv/bin/python loadtest/run.py --smoke            # 20 users for 30 s (CI)

Starts gunicorn (DEBUG off, processes from the CPU count) on 127.0.0.1:8115 and two workers
against a scratch PostgreSQL database and Redis (key prefix of its own), creates the users,
runs locust headless (loadtest/locustfile.py), then waits for the workers and checks that
every accepted submission is there with its file's checksum and every row. Prints
throughput and p50/p95/p99 per page; exit status 1 on any error or lost submission. Stops
by itself; nothing but 127.0.0.1 is contacted. No nginx here: gunicorn alone (the load
instance trusts one proxy's X-Forwarded-For, which locust sets per simulated person).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, employer_email, staff_email, staff_totp_secret
from stack import PYTHON, ROOT, Stack, read_jsonl

SEED = """
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from trekkportal.accounts.models import Company, CompanyAccess, NdaAcceptance, User
from trekkportal.accounts.nda import current_nda_version
from trekkportal.lib.identity import make_valid_orgnr
import json, sys
spec = json.loads(sys.stdin.read())
version = current_nda_version()
hashed = make_password(spec["password"])  # one Argon2 hash for all: setup stays quick
for n, email in enumerate(spec["employers"]):
    user = User.objects.create(email=email, password=hashed, name=f"Lønn {n}")
    orgnr = make_valid_orgnr(95000000 + n * 100)
    company = Company.objects.create(name=f"Last {n} AS", orgnr=orgnr)
    CompanyAccess.objects.create(user=user, company=company)
    NdaAcceptance.objects.create(user=user, version=version)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="3m")
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--port", type=int, default=8115)
    parser.add_argument("--web-processes", type=int, default=None, help="default: 2 x CPUs + 1")
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
    print(f"Machine: {machine()}", flush=True)
    started = time.monotonic()
    try:
        stack.create()
        spec = {
            "password": PASSWORD,
            "employers": [employer_email(n) for n in range(employers)],
            "staff": [(staff_email(n), staff_totp_secret(n)) for n in range(args.staff)],
        }
        stack.manage("shell", "-c", SEED, stdin=json.dumps(spec))
        stack.web(args.port, processes=args.web_processes)
        for n in range(args.workers):
            stack.worker(str(n + 1))
        print(f"Stack ready in {time.monotonic() - started:.0f} s; locust starts.", flush=True)
        env = {
            **os.environ,
            "LOADTEST_ACCEPTED": str(accepted_path),
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
        goal = total and total["failures"] == 0 and int(total["p95"] or 10**9) <= 300
        verdict = "met" if goal and args.users >= 100 else "not met"
        print(f"Goal (100 users or more, p95 at most 300 ms, 0 errors): {verdict}")
        summary = {
            "machine": machine(),
            "users": args.users,
            "run_time": args.run_time,
            "pages": rows,
            "total": total,
            "accepted": len(accepted),
            "lost": lost,
            "different": wrong,
        }
        (stack.root / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        ok = total.get("failures", 1) == 0 and not lost and not wrong and quiet and accepted
        return 0 if ok else 1
    finally:
        if args.keep:
            stack.stop_all()
        else:
            stack.drop()


if __name__ == "__main__":
    sys.exit(main())
