"""The deadline-day mix for locust: employer users logging in, browsing the tabs,
submitting lists and waiting for the receipt to finish (as its script does), answering
utrukne; and union staff in the back office (period overview, a company, the answers).

A clerk reads a page before the next click (1 to 5 s) and submits about one list in ten
clicks: 100 simulated clerks send ~2 lists a second, far more than the ~2,000 lists a
month the union receives would give even if all came on deadline day.

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
from locust import FastHttpUser, between, events, task

from trekkportal.lib.identity import make_valid_nin

EMPLOYERS = int(os.environ.get("LOADTEST_EMPLOYERS", "100"))
STAFF = int(os.environ.get("LOADTEST_STAFF", "5"))
ACCEPTED = os.environ.get("LOADTEST_ACCEPTED", "accepted.jsonl")
PERIOD = f"{dt.date.today():%Y-%m}"

_lock = threading.Lock()
_next_employer = iter(range(10**9))
_next_staff = iter(range(10**9))
# An utrukket's answer form on the Utrukne tab: its action and its field prefix.
ANSWER_FORM = re.compile(r'action="(/utrukne/(\d+)/svar/)[^"]*"')
COMPANY_LINK = re.compile(r'href="(/kontor/bedrift/\d+/)')


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


# FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator runs on
# the same two cores as the portal, and geventhttpclient needs less CPU per request.
class Portal(FastHttpUser):
    abstract = True
    wait_time = between(1, 5)

    def on_start(self):
        # Each simulated person comes from their own address, as nginx would report it
        # (the load instance runs with TRUSTED_PROXY_COUNT=1): rate limits are per person.
        n = self.number()
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.client.client.default_headers["X-Forwarded-For"] = address
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

    @task(3)
    def innsending(self):
        self.client.get("/innsending/", name="Innsending")

    @task(2)
    def innsendte(self):
        self.client.get("/innsendte/", name="Innsendte lister")

    @task(2)
    def brev(self):
        self.client.get("/brev/", name="Brev fra forbundet")

    @task(2)
    def utrukne(self):
        page = self.client.get("/utrukne/", name="Utrukne")
        forms = ANSWER_FORM.findall(page.text)
        if not forms:
            return  # nothing to answer (yet: utrukne come with the first list read)
        action, pk = random.choice(forms)
        self.post_form(
            action,
            page.text,
            {f"u{pk}-status": random.choice(("employed", "laid_off", "left_company"))},
            name="Svar på utrukket",
        )

    @task(1)
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
        sent = time.perf_counter()
        receipt = urlsplit(location).path
        self.client.get(receipt, name="Kvittering")
        self.wait_for_receipt(receipt.replace("/kvittering/", "/status/"), sent)

    def wait_for_receipt(self, status_url: str, sent: float) -> None:
        """Poll the receipt's status as its script does (0.5 s, growing) until every file
        is read; the time from "Send inn" to a finished receipt is its own line."""
        delay = 0.5
        while time.perf_counter() - sent < 60:
            response = self.client.get(status_url, name="Kvittering: status")
            if (
                response.ok
                and "json" in response.headers.get("Content-Type", "")
                and (response.json().get("finished"))
            ):
                _record_receipt(time.perf_counter() - sent, finished=True)
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 3)
        _record_receipt(time.perf_counter() - sent, finished=False)


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
        page = self.client.get(f"/kontor/?periode={PERIOD}", name="Kontor: periodeoversikt")
        links = COMPANY_LINK.findall(page.text)
        if links:
            self.client.get(random.choice(links), name="Kontor: bedrift")

    @task(1)
    def answers(self):
        self.client.get("/kontor/svar/", name="Kontor: svar på utrukne")


# Our own record of every request's time, beside locust's: run.py reports the pages once
# logged in (logging in is an Argon2 hash by design) and "Send inn" → finished receipt.
TIMES = os.environ.get("LOADTEST_TIMES", "times.json")
LOGIN_NAMES = {"login page", "log in", "second factor page", "second factor"}
_times: dict[str, list] = {"pages": [], "receipts": [], "unfinished": []}


def _record_receipt(seconds: float, *, finished: bool) -> None:
    with _lock:
        _times["receipts" if finished else "unfinished"].append(round(seconds * 1000))


@events.request.add_listener
def _record_request(name, response_time, exception, **kwargs):
    if name not in LOGIN_NAMES:
        with _lock:
            _times["pages"].append((round(response_time), exception is not None))


@events.spawning_complete.add_listener
def _steady(user_count, **kwargs):
    if os.environ.get("LOADTEST_STEADY"):  # with --reset-stats: from here on only
        with _lock:
            for values in _times.values():
                values.clear()


@events.test_stop.add_listener
def _write_times(environment, **kwargs):
    with _lock, open(TIMES, "w") as out:
        json.dump(_times, out)


@events.test_start.add_listener
def _fresh_record(environment, **kwargs):
    if os.path.exists(ACCEPTED):
        os.remove(ACCEPTED)
