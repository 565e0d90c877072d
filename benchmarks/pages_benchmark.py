"""Server time and query count of every employer portal page on the demo data.

    .venv/bin/python benchmarks/pages_benchmark.py [--runs 50]

Uses a throw-away SQLite database under a temporary folder, loads `seed_demo`, logs in as
each demo employer user through Django's test client (the full middleware stack, no
network) and reports the median and 95th percentile server time and the number of SQL
queries per page. Budget (docs/architecture.md): median ≤ 20 ms, a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [
    "submissions:innsending",
    "submissions:innsendte",
    "portal:brev",
    "portal:utrukne",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-bench-")
    os.environ["TREKKPORTAL_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    from trekkportal.accounts.models import User

    print(f"{'page':<24} {'user':<32} {'median ms':>9} {'p95 ms':>7} {'queries':>7}")
    for user in User.objects.filter(is_staff=False).order_by("email"):
        client = Client()
        client.force_login(user)
        _accept_nda_if_needed(user)
        for name in PAGES:
            url = reverse(name)
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            query_count = len(queries)  # now: later requests clear the query log
            timings = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{name:<24} {user.email:<32} {statistics.median(timings):>9.2f} "
                f"{p95:>7.2f} {query_count:>7}"
            )


def _accept_nda_if_needed(user) -> None:
    """The NDA guard would redirect every page to the NDA; accept it for the run."""
    from trekkportal.accounts.models import NdaAcceptance
    from trekkportal.accounts.nda import current_nda_version

    NdaAcceptance.objects.get_or_create(user=user, version=current_nda_version())


if __name__ == "__main__":
    main()
