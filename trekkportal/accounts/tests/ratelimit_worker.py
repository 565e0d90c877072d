"""One worker process for test_rate_limits_across_processes: sets up Django against the
database named by the environment, makes requests with the test client and prints what
happened as JSON. Not a test module (pytest does not collect it)."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # locmem e-mail, "testserver" allowed
    command, email, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    results = []
    if command == "create_user":
        from trekkportal.accounts.models import User

        User.objects.create_user(email, "a-long-test-passphrase-2026")
    elif command == "wrong_logins":
        password = sys.argv[4] if len(sys.argv) > 4 else "feil passord"
        for _ in range(count):
            response = Client().post("/logg-inn/", {"login": email, "password": password})
            body = response.content.decode()
            results.append(
                "throttled"
                if "For mange innloggingsforsøk" in body
                else ("ok" if response.status_code == 302 else "wrong")
            )
    elif command == "code_requests":
        for _ in range(count):
            response = Client().post("/aktiver/", {"email": email})
            results.append(response.status_code)
    print(json.dumps({"pid": os.getpid(), "results": results}))


if __name__ == "__main__":
    main()
