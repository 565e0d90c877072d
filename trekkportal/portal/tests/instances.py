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

    def drop(self) -> None:
        if self.db_name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
