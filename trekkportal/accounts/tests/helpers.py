"""Small helpers shared by the accounts tests."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

CODE_RE = re.compile(r"\b([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})\b")
NEW_PASSWORD = "en lang og god passfrase 🌲"


def request_code(client, email: str, flow: str = "activate"):
    return client.post(reverse(flow), {"email": email})


def code_from_outbox(index: int = -1) -> str:
    match = CODE_RE.search(mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def submit_code(client, code: str, password: str = NEW_PASSWORD, flow: str = "activate", **extra):
    data = {"code": code, "password1": password, "password2": password, **extra}
    return client.post(reverse(f"{flow}_confirm"), data)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
