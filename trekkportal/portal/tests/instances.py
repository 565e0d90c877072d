"""Whole Trekkportal installations in subprocesses, for the backup and scale-out tests.

Each instance has its own var folder and database: on SQLite a file in the instance's
folder; on PostgreSQL (when the suite runs with a PostgreSQL DATABASE_URL) a scratch
database beside the test database, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

MANAGE = Path(settings.BASE_DIR) / "manage.py"

# Submits lists through the real service and parses them with the real jobs, then prints
# what a restore must bring back. Run inside an instance by `manage.py shell -c`.
SUBMIT_SCRIPT = """
import datetime as dt, json
from django.core.files.base import ContentFile
from trekkportal.accounts.models import Company, CompanyAccess, User
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin, make_valid_orgnr
from trekkportal.lib.periods import Period
from trekkportal.submissions.services import submit_list

def csv(n, seed):
    rows = ["Fødselsnummer;Navn;Trekk"]
    for i in range(n):
        nin = make_valid_nin(dt.date(1970 + (seed + i) % 30, 1 + i % 12, 1 + i % 28), 100 + i)
        rows.append(f"{nin};Test, Person {i};{600 + i},00")
    return ("\\r\\n".join(rows) + "\\r\\n").encode()

user = User.objects.create_user("lonn@backup.example", "a-long-test-passphrase-2026")
for c in range(COMPANIES):
    orgnr = make_valid_orgnr(93000000 + c * 100)
    company = Company.objects.create(name=f"Backup {c} AS", orgnr=orgnr)
    CompanyAccess.objects.create(user=user, company=company)
    this_month = Period.of(dt.date.today())
    for p in range(2):
        submit_list(
            company=company, period=this_month.previous() if p else this_month,
            files=[ContentFile(csv(5 + c + p, c * 10 + p), name=f"liste-{c}-{p}.csv")],
            comment="", contact_email=user.email, acting_user=user,
        )
run_pending()
"""

SUMMARY_SCRIPT = """
import json
from trekkportal.submissions.models import Submission
out = []
for s in Submission.objects.order_by("pk").prefetch_related("files"):
    out.append([s.pk, s.company.orgnr, str(s.period), [
        [f.original_name, f.size, f.sha256, f.state, f.lines.count()] for f in s.files.all()
    ]])
print(json.dumps(out))
"""

# Where each submitted file is stored and the SHA-256 its row records.
STORED_FILES_SCRIPT = """
import json
from trekkportal.submissions.models import SubmittedFile
print(json.dumps(dict(SubmittedFile.objects.values_list("storage_name", "sha256"))))
"""


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)


class Instance:
    def __init__(self, root: Path, name: str, **environ: str) -> None:
        self.root = root / name
        self.root.mkdir(parents=True)
        self.db_name = ""
        if connection.vendor == "postgresql":
            self.db_name = f"{connection.settings_dict['NAME']}_{name}"[:60]
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            _pg_admin(f'CREATE DATABASE "{self.db_name}"')
            database_url = _pg_url(self.db_name)
        else:
            database_url = f"sqlite:///{self.root / 'db.sqlite3'}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trekkportal.settings",
            "TREKKPORTAL_VAR_DIR": str(self.root / "var"),
            "MEDIA_ROOT": str(self.root / "media"),
            "DATABASE_URL": database_url,
            "CACHE_URL": "",
            "REDIS_URL": "",
            "EMAIL_URL": "consolemail://",
            "CODE_EMAIL_IN_BACKGROUND": "false",
            "LOG_LEVEL": "WARNING",
            **environ,
        }

    def manage(self, *args: str, check: bool = True, timeout: float = 180):
        result = subprocess.run(
            [sys.executable, str(MANAGE), *args],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, script: str) -> str:
        return self.manage("shell", "-c", script).stdout

    def submit_lists(self, companies: int = 3) -> None:
        self.shell(SUBMIT_SCRIPT.replace("COMPANIES", str(companies)))

    def summary(self) -> list:
        return json.loads(self.shell(SUMMARY_SCRIPT).strip().splitlines()[-1])

    def stored_files(self) -> dict[str, str]:
        """Storage name -> SHA-256, as the instance's ``SubmittedFile`` rows record them."""
        return json.loads(self.shell(STORED_FILES_SCRIPT).strip().splitlines()[-1])

    def drop(self) -> None:
        if self.db_name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


# Processes of a running installation (gunicorn web processes and workers) ------------------

USERS_SCRIPT = """
from trekkportal.accounts.models import Company, CompanyAccess, NdaAcceptance, User
from trekkportal.accounts.nda import current_nda_version
from trekkportal.lib.identity import make_valid_orgnr
version = current_nda_version()
for n in range(USERS):
    user = User.objects.create_user(f"lonn{n}@scale.example", "a-long-test-passphrase-2026")
    orgnr = make_valid_orgnr(94000000 + n * 100)
    company = Company.objects.create(name=f"Skala {n} AS", orgnr=orgnr)
    CompanyAccess.objects.create(user=user, company=company)
    NdaAcceptance.objects.create(user=user, version=version)
"""
PASSWORD = "a-long-test-passphrase-2026"  # test users only


def wait_for_port(port: int, timeout: float = 60, process=None) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process for port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Processes:
    """Started processes, stopped (SIGTERM, then SIGKILL) when the block ends."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.started: list[subprocess.Popen] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def web(self, port: int, **environ: str) -> subprocess.Popen:
        env = {
            **self.instance.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            **environ,
        }
        log = open(self.instance.root / f"web-{port}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:trekkportal.gunicorn_conf"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        wait_for_port(port, process=process)
        return process

    def worker(self, name: str) -> subprocess.Popen:
        log = open(self.instance.root / f"worker-{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "run_worker"],
            env=self.instance.env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process


class Browser:
    """A logged-in employer over HTTP (requests), as a browser would do it."""

    def __init__(self, base_url: str, email: str) -> None:
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        self.email = email

    def _token(self, html: str, name: str = "csrfmiddlewaretoken") -> str:
        import re

        match = re.search(rf'name="{name}" value="([^"]+)"', html)
        assert match, f"no {name} in the page"
        return match.group(1)

    def get(self, path: str, base_url: str | None = None):
        return self.session.get((base_url or self.base_url) + path, timeout=30)

    def log_in(self) -> None:
        page = self.get("/logg-inn/")
        response = self.session.post(
            self.base_url + "/logg-inn/",
            data={
                "login": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._token(page.text),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.status_code

    def submit(self, data: bytes, name: str, base_url: str | None = None):
        import datetime as dt

        base = base_url or self.base_url
        page = self.get("/innsending/", base)
        assert page.status_code == 200, page.status_code
        return self.session.post(
            base + "/innsending/",
            data={
                "csrfmiddlewaretoken": self._token(page.text),
                "idempotency_key": self._token(page.text, "idempotency_key"),
                "contact_email": self.email,
                "period": f"{dt.date.today():%Y-%m}",
                "comment": "",
            },
            files={"files": (name, data, "text/csv")},
            allow_redirects=False,
            timeout=60,
        )
