#!/usr/bin/env python3
"""The fault tests, one command: each fault is injected into a running production-like stack
on 127.0.0.1 and its expected outcome asserted.

    .venv/bin/python loadtest/faults.py            # every scenario (about 3 minutes)
    .venv/bin/python loadtest/faults.py smtp       # one of: upload database storage smtp parse

The stack: gunicorn (2 processes) on 127.0.0.1:8116 and workers against a scratch
PostgreSQL database and Redis; files in an S3-compatible store (moto on 8117, reached
through a switchable TCP relay on 8118, which is how "the object store fails"); e-mail to a
local SMTP sink on 8119 (stopped and started again for "SMTP down"). Each scenario prints
PASS or FAIL with what it checked; exit status 1 if any failed.

"PostgreSQL restarted" really restarts the database server during traffic: the stack runs
on a PostgreSQL server of its own (initdb into var/loadtest/faults/postgres, port 8108,
as the postgres user), never the machine's shared one. With --shared-postgres (or no
PostgreSQL server binaries) the stack uses --database-url and the scenario cuts every
connection of the scratch database instead (pg_terminate_backend).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, employer_email
from stack import ROOT, PrivatePostgres, Stack, wait_for_port

WEB = 8116
S3_PORT, S3_RELAY, SMTP_PORT = 8117, 8118, 8119
POSTGRES_PORT = 8108
BUCKET = "trekk-faults"
PERIOD = f"{dt.date.today():%Y-%m}"


# The pieces the faults are injected into -----------------------------------------------------


class Relay:
    """A TCP relay in front of the object store that can be switched off: while down, every
    connection is closed at once (what a failed store looks like to the client)."""

    def __init__(self, listen: int, target: int) -> None:
        self.target = target
        self.down = False
        self.server = socket.create_server(("127.0.0.1", listen), reuse_port=False)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _addr = self.server.accept()
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class SmtpSink:
    """Receives e-mail on 127.0.0.1:8119 and counts each Message-ID."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                match = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.M | re.I)
                sink.received.append(match.group(1).decode() if match else "?")
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Employer:
    """A logged-in employer over HTTP."""

    def __init__(self, n: int) -> None:
        import requests

        self.email = employer_email(n)
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = f"10.9.0.{n + 1}"
        self.base = f"http://127.0.0.1:{WEB}"
        page = self.session.get(self.base + "/logg-inn/", timeout=30)
        response = self.session.post(
            self.base + "/logg-inn/",
            data={
                "login": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token(page.text),
            },
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code == 302, f"login: {response.status_code}"

    def form(self) -> dict:
        page = self.session.get(self.base + "/innsending/", timeout=30)
        assert page.status_code == 200, f"form: {page.status_code}"
        return {
            "csrfmiddlewaretoken": token(page.text),
            "idempotency_key": token(page.text, "idempotency_key"),
            "contact_email": self.email,
            "period": PERIOD,
            "comment": "",
        }

    def submit(self, data: bytes, name: str, form: dict | None = None):
        return self.session.post(
            self.base + "/innsending/",
            data=form or self.form(),
            files={"files": (name, data, "text/csv")},
            allow_redirects=False,
            timeout=120,
        )


def token(html: str, name: str = "csrfmiddlewaretoken") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    return match.group(1) if match else ""


def page_kind(html: str) -> str:
    return "portal error page" if '<html lang="nb">' in html else f"other: {html[:80]!r}"


def csv_list(rows: int, seed: int = 0) -> bytes:
    from trekkportal.lib.identity import make_valid_nin

    out = ["Fødselsnummer;Navn;Trekk"]
    for i in range(rows):
        birth = dt.date(1950 + (seed + i) % 50, 1 + i % 12, 1 + (i // 12) % 28)
        out.append(
            f"{make_valid_nin(birth, 100 + (i // 336) % 400)};Test, Person {i};{600 + i % 300},00"
        )
    return ("\r\n".join(out) + "\r\n").encode()


class Check:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def that(self, condition: bool, what: str) -> None:
        print(f"    {'ok  ' if condition else 'FAIL'} {what}", flush=True)
        if not condition:
            self.failures.append(what)


# The scenarios ----------------------------------------------------------------------------------


def scenario_upload(stack: Stack, check: Check) -> None:
    """A web worker killed mid-upload: no answer to that request, nothing stored; the
    master starts a new worker and the same form sent again is stored once."""
    employer = Employer(0)
    before = stack.query("SELECT count(*) FROM submissions_submission")[0][0]
    form = employer.form()
    boundary = uuid.uuid4().hex
    data = csv_list(50_000)
    fields = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form.items()
    )
    body = (
        fields
        + f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="halv.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    cookies = "; ".join(f"{c.name}={c.value}" for c in employer.session.cookies)
    head = (
        f"POST /innsending/ HTTP/1.1\r\nHost: 127.0.0.1:{WEB}\r\nCookie: {cookies}\r\n"
        f"X-Forwarded-For: 10.9.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    conn = socket.create_connection(("127.0.0.1", WEB))
    conn.sendall(head + body[: len(body) // 3])
    time.sleep(1)
    children = stack.web_children(WEB)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    conn.settimeout(10)
    try:
        answer = conn.recv(100)
    except OSError:
        answer = b""
    conn.close()
    check.that(
        not answer.startswith(b"HTTP/1.1 2") and not answer.startswith(b"HTTP/1.1 3"),
        f"the killed request got no success answer ({answer[:15]!r})",
    )
    after = stack.query("SELECT count(*) FROM submissions_submission")[0][0]
    check.that(after == before, "no submission row from the killed upload")
    wait_for_port(WEB)
    time.sleep(2)  # the master has started new workers
    response = None
    for _ in range(20):
        try:
            response = employer.submit(data, "halv.csv", form)
            break
        except Exception:
            time.sleep(1)
    check.that(
        response is not None and response.status_code == 302, "the same form sent again is accepted"
    )
    response = employer.submit(data, "halv.csv", form)
    check.that(response.status_code == 302, "sent a third time (double post) it is still accepted")
    count = int(stack.query("SELECT count(*) FROM submissions_submission")[0][0]) - int(before)
    check.that(count == 1, f"exactly one submission stored for that form ({count})")


def scenario_database(stack: Stack, check: Check, postgres: PrivatePostgres | None) -> None:
    """PostgreSQL restarted during traffic: requests in that moment get an error page or
    succeed, the next ones succeed, every accepted submission is whole."""
    employers = [Employer(n) for n in range(1, 4)]
    results: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def traffic(employer: Employer, k: int) -> None:
        i = 0
        while not stop.is_set():
            data = csv_list(40 + i, seed=k * 100 + i)
            i += 1
            try:
                page = employer.session.get(employer.base + "/innsending/", timeout=60)
                if page.status_code != 200:
                    results.append((page.status_code, page_kind(page.text), ""))
                    continue
                form = {
                    "csrfmiddlewaretoken": token(page.text),
                    "idempotency_key": token(page.text, "idempotency_key"),
                    "contact_email": employer.email,
                    "period": PERIOD,
                    "comment": "",
                }
                response = employer.submit(data, f"db-{k}-{i}.csv", form)
                detail = response.headers.get("Location", "") or page_kind(response.text)
                results.append((response.status_code, detail, hashlib.sha256(data).hexdigest()))
            except Exception as exc:
                results.append((0, f"{type(exc).__name__}: {exc}"[:300], ""))

    threads = [threading.Thread(target=traffic, args=(e, k)) for k, e in enumerate(employers)]
    for t in threads:
        t.start()
    time.sleep(3)
    for _ in range(3):
        if postgres is not None:
            started = time.monotonic()
            postgres.pg_ctl("restart")  # fast shutdown: every session ends, then it starts
            print(f"    PostgreSQL restarted ({time.monotonic() - started:.1f} s)", flush=True)
        else:
            killed = stack.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE datname = '{stack.db_name}' AND pid <> pg_backend_pid()"
            )
            print(f"    cut {killed} database connections", flush=True)
        time.sleep(2)
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(60)
    statuses = [s for s, _l, _h in results]
    errors = [(s, detail) for s, detail, _h in results if s != 302]
    print(f"    {len(results)} submissions tried; answers other than a receipt: {errors}")
    check.that(
        all(detail == "portal error page" for _s, detail in errors),
        "every failed request got the portal's error page (no bare 500, no hang)",
    )
    check.that(statuses[-3:] == [302, 302, 302], "after the cuts, submissions succeed again")
    check.that(stack.wait_until_quiet(120), "the workers survived and read every file")
    files = stack.files()
    accepted = [
        (int(re.search(r"/innsending/(\d+)/", loc).group(1)), sha)
        for s, loc, sha in results
        if s == 302
    ]
    check.that(
        all(pk in files and files[pk]["sha256"] == sha for pk, sha in accepted),
        f"all {len(accepted)} accepted submissions are there with their checksum",
    )
    orphans = stack.query(
        "SELECT count(*) FROM submissions_submission s WHERE NOT EXISTS "
        "(SELECT 1 FROM submissions_submittedfile f WHERE f.submission_id = s.id)"
    )[0][0]
    check.that(orphans == "0", "no submission without its file (nothing half-written)")


def scenario_storage(stack: Stack, check: Check, relay: Relay) -> None:
    """The object store fails: the form says to try again and nothing is stored, /healthz
    says fail; when it is back, submissions are stored again."""
    import requests

    employer = Employer(4)
    before = stack.query("SELECT count(*) FROM submissions_submission")[0][0]
    relay.down = True
    try:
        response = employer.submit(csv_list(30), "s3-ned.csv")
        check.that(
            response.status_code == 503 and "Ingenting ble lagret" in response.text,
            f"a submission while the store is down: 503 and 'try again' ({response.status_code})",
        )
        health = requests.get(f"http://127.0.0.1:{WEB}/healthz", timeout=60)
        check.that(
            health.status_code == 503 and health.json()["checks"]["storage"] == "fail",
            "/healthz reports the storage as failing",
        )
        after = stack.query("SELECT count(*) FROM submissions_submission")[0][0]
        check.that(after == before, "no submission row while the store is down")
    finally:
        relay.down = False
    response = employer.submit(csv_list(30), "s3-opp.csv")
    check.that(response.status_code == 302, "with the store back, the list is stored")
    health = requests.get(f"http://127.0.0.1:{WEB}/healthz", timeout=30)
    check.that(health.status_code == 200, "/healthz is ok again")


def scenario_smtp(stack: Stack, check: Check, sink: SmtpSink) -> None:
    """SMTP down for a while: receipts wait in the outbox, are retried, and each is
    delivered exactly once when the server is back."""
    sink.stop()
    employer = Employer(5)
    queued_before = len(sink.received)
    for i in range(3):
        response = employer.submit(csv_list(20, seed=i), f"smtp-{i}.csv")
        check.that(response.status_code == 302, f"submission {i + 1} accepted while SMTP is down")
    # The receipts are queued once the files are read; wait for a failed try (a loaded
    # machine reads three small lists in seconds, not at once).
    deadline = time.monotonic() + 60
    while True:
        failed_tries = stack.query(
            "SELECT count(*) FROM mail_outboxmessage WHERE attempts > 0 AND status = 'queued'"
        )[0][0]
        if int(failed_tries) >= 1 or time.monotonic() > deadline:
            break
        time.sleep(1)
    check.that(
        int(failed_tries) >= 1, f"deliveries were tried and are queued again ({failed_tries})"
    )
    sink.start()
    check.that(stack.wait_until_quiet(120), "the outbox drained once SMTP was back")
    ids = stack.query("SELECT message_id, status FROM mail_outboxmessage")
    received = sink.received[queued_before:]
    check.that(all(status == "sent" for _m, status in ids), "every message is marked sent")
    check.that(len(received) == len(set(received)), "no message was delivered twice")
    wanted = {m for m, _s in ids}
    check.that(wanted <= set(sink.received), "every queued message arrived")


def scenario_parse(stack: Stack, check: Check) -> None:
    """A worker SIGKILLed mid-parse: after its lease another worker reads the file again;
    the rows are stored once, whole."""
    for name in [n for n in stack.processes if n.startswith("worker")]:
        stack.stop(name)
    employer = Employer(6)
    rows = 120_000
    response = employer.submit(csv_list(rows), "stor.csv")
    check.that(response.status_code == 302, "a large list is accepted")
    pk = int(re.search(r"/innsending/(\d+)/", response.headers["Location"]).group(1))
    stack.worker("victim")
    deadline = time.monotonic() + 60
    state = ""
    while time.monotonic() < deadline:
        state = stack.query(
            f"SELECT state FROM submissions_submittedfile WHERE submission_id = {pk}"
        )[0][0]
        if state == "parsing":
            break
        time.sleep(0.1)
    time.sleep(0.5)
    stack.stop("worker-victim", signal.SIGKILL)
    check.that(state == "parsing", f"the worker was killed while parsing (state {state})")
    stack.worker("rescuer")
    check.that(stack.wait_until_quiet(180), "another worker took the job after the lease")
    files = stack.files()
    check.that(
        files[pk]["state"] == "done" and files[pk]["lines"] == rows,
        f"the file is read with every row once ({files[pk]['lines']} of {rows})",
    )
    attempts = stack.query(
        "SELECT max(attempts) FROM jobs_job WHERE name LIKE '%parse_submitted_file' "
        "AND kwargs->>'submitted_file_id' = "
        f"(SELECT id::text FROM submissions_submittedfile WHERE submission_id = {pk})"
    )[0][0]
    check.that(attempts == "2", f"it took a second attempt ({attempts})")
    receipts = stack.query(
        "SELECT count(*) FROM mail_outboxmessage WHERE company_id = "
        f"(SELECT company_id FROM submissions_submission WHERE id = {pk})"
    )[0][0]
    check.that(receipts == "1", f"one receipt e-mail ({receipts})")


RECONCILE_SETUP = """
import sys
sys.path.insert(0, "BENCHMARKS")
from reconcile_benchmark import PERIOD, build
from trekkportal.reconciliation.jobs import reconcile_company_period
(company,) = build(MEMBERS, 1, missing_total=MISSING, offset=500)
reconcile_company_period.enqueue(company_id=company.pk, period=PERIOD)
print(company.pk)
"""


def scenario_reconcile(stack: Stack, check: Check) -> None:
    """A worker SIGKILLed mid-reconciliation: after its lease another worker runs it again;
    every utrukket is recorded once, in one reconciliation of the period."""
    from stack import ROOT

    for name in [n for n in stack.processes if n.startswith("worker")]:
        stack.stop(name)
    # The benchmark's data, one utrukket per company; big enough that the run lasts a
    # second or more on a fast host too (40,000 members were done within a second here).
    members, missing = 100_000, 1
    script = (
        RECONCILE_SETUP.replace("BENCHMARKS", str(ROOT / "benchmarks"))
        .replace("MEMBERS", str(members))
        .replace("MISSING", str(missing))
    )
    company = int(stack.shell(script).strip().splitlines()[-1])
    job_sql = (
        "SELECT status, attempts FROM jobs_job WHERE name LIKE '%reconcile_company_period' "
        f"AND (kwargs->>'company_id')::int = {company}"
    )
    stack.worker("victim")
    deadline = time.monotonic() + 120
    status = ""
    while time.monotonic() < deadline:
        status = stack.query(job_sql)[0][0]
        if status == "running":
            break
        time.sleep(0.05)
    time.sleep(0.3)  # well inside the run: reading and matching 100,000 members
    still = stack.query(job_sql)[0][0]
    stack.stop("worker-victim", signal.SIGKILL)
    check.that(
        status == "running" and still == "running",
        f"the worker was killed while reconciling ({status}, then {still})",
    )
    stack.worker("rescuer-1")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and stack.query(job_sql)[0][0] != "done":
        time.sleep(1)
    final, attempts = stack.query(job_sql)[0]
    check.that(
        final == "done" and attempts == "2",
        f"another worker ran it again ({final}, attempt {attempts})",
    )
    utrukne = stack.query(
        f"SELECT count(*), count(DISTINCT member_id) FROM reconciliation_missingdeduction "
        f"WHERE company_id = {company}"
    )[0]
    check.that(
        utrukne == [str(missing), str(missing)],
        f"every utrukket once ({utrukne[0]} rows, {utrukne[1]} members, {missing} expected)",
    )
    runs = stack.query(
        f"SELECT count(*) FROM reconciliation_reconciliation WHERE company_id = {company}"
    )[0][0]
    check.that(runs == "1", f"one reconciliation of the company's period ({runs})")


SCENARIOS = ("upload", "database", "storage", "smtp", "parse", "reconcile")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "scenarios", nargs="*", help=f"some of: {' '.join(SCENARIOS)} (default all)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trekkportal"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--shared-postgres",
        action="store_true",
        help="use --database-url's server (the database fault then cuts connections only)",
    )
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.scenarios = args.scenarios or list(SCENARIOS)

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
    moto.start()
    import boto3

    boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{S3_PORT}",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    relay = Relay(S3_RELAY, S3_PORT)
    sink = SmtpSink()
    sink.start()
    postgres = None
    if not args.shared_postgres:
        try:
            postgres = PrivatePostgres(ROOT / "var" / "loadtest" / "postgres", POSTGRES_PORT)
            postgres.start()
            args.database_url = postgres.url
            print(f"A PostgreSQL server of its own on {POSTGRES_PORT}", flush=True)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            print(f"No PostgreSQL server of its own ({exc}); cutting connections instead")
            postgres = None
    stack = Stack(
        "faults", database_url=args.database_url, redis_url=args.redis_url,
        SITE_URL=f"http://127.0.0.1:{WEB}", EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
        S3_BUCKET=BUCKET, S3_ENDPOINT_URL=f"http://127.0.0.1:{S3_RELAY}", S3_ACCESS_KEY_ID="k",
        S3_SECRET_ACCESS_KEY="s", S3_REGION="us-east-1",
        JOBS_LEASE_SECONDS="4", JOBS_BACKOFF_SECONDS="1", JOBS_BACKOFF_MAX_SECONDS="2",
        AWS_MAX_ATTEMPTS="1",
    )  # fmt: skip
    failed = []
    try:
        stack.create()
        seed = (
            "from trekkportal.accounts.models import Company, CompanyAccess, NdaAcceptance, User\n"
            "from trekkportal.accounts.nda import current_nda_version\n"
            "from trekkportal.lib.identity import make_valid_orgnr\n"
            "v = current_nda_version()\n"
            "for n in range(8):\n"
            f"    u = User.objects.create_user(f'lonn{{n}}@last.example', '{PASSWORD}')\n"
            "    orgnr = make_valid_orgnr(96000000 + n * 100)\n"
            "    c = Company.objects.create(name=f'Feil {n} AS', orgnr=orgnr)\n"
            "    CompanyAccess.objects.create(user=u, company=c)\n"
            "    NdaAcceptance.objects.create(user=u, version=v)\n"
        )
        stack.shell(seed)
        stack.web(WEB, processes=2)
        stack.worker("1")
        stack.worker("2")
        for name in args.scenarios:
            function = globals()[f"scenario_{name}"]
            print(f"\n{name}: {function.__doc__.split(chr(10))[0]}", flush=True)
            check = Check()
            started = time.monotonic()
            try:
                if name == "storage":
                    function(stack, check, relay)
                elif name == "smtp":
                    function(stack, check, sink)
                elif name == "database":
                    function(stack, check, postgres)
                else:
                    function(stack, check)
            except Exception:
                traceback.print_exc()
                check.failures.append("crashed")
            verdict = "FAIL" if check.failures else "PASS"
            print(f"  {verdict} {name} ({time.monotonic() - started:.0f} s)", flush=True)
            if check.failures:
                failed.append(name)
    finally:
        stack.drop()
        if postgres is not None:
            postgres.stop()
        sink.stop()
        moto.stop()
    print(
        f"\nFaults: {len(args.scenarios) - len(failed)} of {len(args.scenarios)} passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
