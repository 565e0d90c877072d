"""What the load test's setup (run.py) and its simulated users (locustfile.py) share."""

from __future__ import annotations

import base64
import hashlib

PASSWORD = "load-test-passphrase-2026"  # synthetic users of a throw-away instance


def employer_email(n: int) -> str:
    return f"lonn{n}@last.example"


def staff_email(n: int) -> str:
    return f"staff{n}@last.example"


def staff_totp_secret(n: int) -> str:
    """Each staff user's own TOTP secret (a code is accepted once per user and period)."""
    return base64.b32encode(hashlib.sha1(f"loadtest-staff-{n}".encode()).digest()).decode()
