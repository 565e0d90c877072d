"""The deadline-day mix for locust: employer users logging in, browsing the tabs and
submitting lists, and union staff on the submissions overview of the period.

Run it through ``loadtest/run.py`` (which starts the stack on 127.0.0.1, creates the users
and checks afterwards that no accepted submission was lost). Every accepted submission is
written to LOADTEST_ACCEPTED (JSON lines: receipt id, file name, SHA-256, rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import struct
import threading
import time
from urllib.parse import urlsplit

from common import PASSWORD, employer_email, staff_email, staff_totp_secret
from locust import HttpUser, between, events, task

from trekkportal.lib.identity import make_valid_nin

EMPLOYERS = int(os.environ.get("LOADTEST_EMPLOYERS", "100"))
STAFF = int(os.environ.get("LOADTEST_STAFF", "5"))
ACCEPTED = os.environ.get("LOADTEST_ACCEPTED", "accepted.jsonl")
PERIOD = f"{dt.date.today():%Y-%m}"

_lock = threading.Lock()
_next_employer = iter(range(10**9))
_next_staff = iter(range(10**9))


def _token(html: str, name: str = "csrfmiddlewaretoken") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    return match.group(1) if match else ""


def _list(rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["Fødselsnummer;Navn;Grunnlag;Trekk"]
    for i in range(rows):
        birth = dt.date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
        nin = make_valid_nin(birth, 100 + rng.randrange(400))
        lines.append(
            f"{nin};Test, Person {i};{rng.randrange(30, 90)} 000,00;{rng.randrange(400, 900)},00"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def totp(secret: str, at: float | None = None, period: int = 30) -> str:
    """RFC 6238 with SHA-1 and 6 digits, as authenticator apps (and allauth) do it."""
    import base64

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((at or time.time()) // period))
    digest = hmac.new(key, counter, "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 4)

    def on_start(self):
        # Each simulated person comes from their own address, as nginx would report it
        # (the load instance runs with TRUSTED_PROXY_COUNT=1): rate limits are per person.
        n = self.number()
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.log_in()

    def post_form(self, path: str, page_html: str, data: dict, name: str) -> bool:
        """POST a form of the page; a success is a redirect (302)."""
        with self.client.post(
            path,
            data={"csrfmiddlewaretoken": _token(page_html), **data},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name} answered {response.status_code}")
                return False
            response.success()
            return True

    def log_in(self) -> None:
        page = self.client.get("/logg-inn/", name="login page")
        self.post_form(
            "/logg-inn/", page.text, {"login": self.email, "password": PASSWORD}, name="log in"
        )


class Employer(Portal):
    weight = 20

    def number(self) -> int:
        with _lock:
            self.index = next(_next_employer) % EMPLOYERS
        self.email = employer_email(self.index)
        return self.index

    @task(4)
    def innsending(self):
        self.client.get("/innsending/", name="Innsending")

    @task(3)
    def innsendte(self):
        self.client.get("/innsendte/", name="Innsendte lister")

    @task(2)
    def brev(self):
        self.client.get("/brev/", name="Brev fra forbundet")

    @task(2)
    def utrukne(self):
        self.client.get("/utrukne/", name="Utrukne")

    @task(3)
    def submit(self):
        page = self.client.get("/innsending/", name="Innsending")
        rows = random.choice((20, 80, 200, 500))
        data = _list(rows, random.randrange(10**9))
        name = f"trekkliste-{self.index}-{time.time_ns()}.csv"
        with self.client.post(
            "/innsending/",
            data={
                "csrfmiddlewaretoken": _token(page.text),
                "idempotency_key": _token(page.text, "idempotency_key"),
                "contact_email": self.email,
                "period": PERIOD,
                "comment": "",
            },
            files={"files": (name, data, "text/csv")},
            name="Send inn",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            match = re.search(r"/innsending/(\d+)/kvittering/", location)
            if response.status_code != 302 or not match:
                response.failure(f"submission answered {response.status_code}")
                return
            response.success()
        record = {
            "submission": int(match.group(1)),
            "name": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": rows,
        }
        with _lock, open(ACCEPTED, "a") as out:
            out.write(json.dumps(record) + "\n")
        self.client.get(urlsplit(location).path, name="Kvittering")


class Staff(Portal):
    fixed_count = STAFF  # one simulated person per staff user (a TOTP code counts once)

    def number(self) -> int:
        with _lock:
            self.index = next(_next_staff) % STAFF
        self.email = staff_email(self.index)
        return 60000 + self.index

    def log_in(self) -> None:
        super().log_in()
        page = self.client.get("/konto/2fa/authenticate/", name="second factor page")
        code = totp(staff_totp_secret(self.index))
        self.post_form("/konto/2fa/authenticate/", page.text, {"code": code}, "second factor")

    @task(3)
    def period_overview(self):
        self.client.get(
            f"/admin/submissions/submission/?period__gte={PERIOD}-01", name="Admin: periode"
        )

    @task(1)
    def overview(self):
        self.client.get("/admin/submissions/submission/", name="Admin: innsendinger")


@events.test_start.add_listener
def _fresh_record(environment, **kwargs):
    if os.path.exists(ACCEPTED):
        os.remove(ACCEPTED)
