#!/usr/bin/env python3
"""The two commands, on any machine with Python 3.11+:

    python3 dev.py start    # install, migrate, load demo data, serve on http://127.0.0.1:8000
    python3 dev.py test     # install and run the whole test suite (pytest arguments pass through)

Also: `python3 dev.py messages` (extract and compile translations), `python3 dev.py lint`,
`python3 dev.py typecheck` (mypy), `python3 dev.py duplicates` (no repeated code block).
Everything is installed into .venv/ beside this file; nothing outside it is touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def run(*args: str | Path, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, check=False, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_installed() -> None:
    """Create .venv and install the project with its dev extras, again only when
    pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit("Trekkportal needs Python 3.11 or newer.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Trekkportal and its dependencies into .venv ...", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def manage(*args: str) -> None:
    run(PYTHON, "manage.py", *args)


def start(args: list[str]) -> None:
    ensure_installed()
    manage("compile_translations")
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    address = args[0] if args else "127.0.0.1:8000"
    # E-mail links (and the allowed host names) follow the address served, unless SITE_URL
    # says otherwise; both processes get it.
    env = {**os.environ, "SITE_URL": os.environ.get("SITE_URL") or site_url_for(address)}
    print(f"\nTrekkportal runs at {env['SITE_URL']}/  (Ctrl+C stops it)\n", flush=True)
    # The background worker (parsing, e-mail, schedules) runs beside the web server.
    worker = subprocess.Popen([str(PYTHON), "manage.py", "run_worker"], cwd=ROOT, env=env)
    try:
        run(PYTHON, "manage.py", "runserver", address, env=env)
    finally:
        if worker.poll() is None:
            worker.terminate()
        worker.wait(30)


def site_url_for(address: str) -> str:
    """The address links in e-mails use for `start ADDRESS`: "192.168.1.5:8000" as it is,
    a port alone on 127.0.0.1, and every interface (0.0.0.0, ::) as this machine's address
    on its network (a UDP "connection" sends nothing; loopback if there is no network)."""
    host, _sep, port = address.rpartition(":")
    if not _sep:
        host, port = ("127.0.0.1", address) if address.isdigit() else (address, "8000")
    host = host.strip("[]") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - recognising the address, not binding to it
        import socket

        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("192.0.2.1", 9))  # TEST-NET: never reached
                host = probe.getsockname()[0]
        except OSError:
            host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def test(args: list[str]) -> None:
    ensure_installed()
    manage("compile_translations")
    run(PYTHON, "-m", "pytest", *args)


def messages(args: list[str]) -> None:
    ensure_installed()
    manage("makemessages", "-l", "nb", "--no-location", "--ignore=.venv/*", "--ignore=var/*")
    manage("compile_translations")


def lint(args: list[str]) -> None:
    ensure_installed()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")


def typecheck(args: list[str]) -> None:
    """mypy with django-stubs on the files [tool.mypy] names (services, selectors, lib,
    parsers); arguments go to mypy."""
    ensure_installed()
    run(BIN / "mypy", *args)


# Blocks repeated on purpose, each with its reason: (file, a line of the block).
DUPLICATES_ALLOWED = {
    # The parser's per-row loop handles a blank identity-number cell and a blank person
    # alike; a shared helper would cost a call per row (benchmarks/parse_benchmark.py).
    ("trekkportal/submissions/parsers/core.py", "what = _classify(row, mapping, amount_cell"),
    ("trekkportal/submissions/parsers/core.py", 'if what == "skip":'),
    ("trekkportal/submissions/parsers/core.py", 'if what == "total":'),
    # job() takes JobFunction's options one by one, so both read and type-check alike.
    ("trekkportal/jobs/queue.py", "max_attempts: int | Callable[[], int] = 5,"),
    # Ending an employment and a lay-off both stop deductions (the members' workstream's
    # own code, left to it).
    ("trekkportal/members/services.py", "if member.payment == Member.Payment.DEDUCTION:"),
}
DUPLICATE_WINDOW = 5  # statements in a row
DUPLICATE_MIN_CHARS = 100


# A keyword argument on a line of its own ("acting_user=request.user,"): two callers of one
# service pass the same arguments by design (the admin and the back office call the same
# services); the call is the shared rule, not a copy of it.
_KEYWORD_ARGUMENT = re.compile(r"^\w+=[^=].*,$")


def _statements(path: Path) -> list[tuple[int, str]]:
    """The lines that carry code: no blanks, comments, imports, lone brackets or keyword
    arguments on lines of their own."""
    trivial = {")", "]", "}", "),", "],", "},", '"""', "else:", "try:", "return", "pass"}
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = " ".join(line.split())
        if not text or text in trivial or _KEYWORD_ARGUMENT.match(text):
            continue
        if not text.startswith(("#", "import ", "from ")):
            found.append((number, text))
    return found


def duplicates(args: list[str]) -> None:
    """Fail when the same block of code appears twice in trekkportal/ (tests, migrations
    and model field declarations aside): one home for each rule."""
    first: dict[tuple[str, ...], tuple[str, int]] = {}
    repeated = []
    for path in sorted((ROOT / "trekkportal").rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts) or path.name == "models.py":
            continue  # models.py: field declarations are alike by nature, not rules
        name = str(path.relative_to(ROOT))
        allowed = [text for file, text in DUPLICATES_ALLOWED if file == name]
        lines = _statements(path)
        for i in range(len(lines) - DUPLICATE_WINDOW + 1):
            block = tuple(text for _, text in lines[i : i + DUPLICATE_WINDOW])
            if sum(map(len, block)) < DUPLICATE_MIN_CHARS:
                continue
            if any(mark in text for mark in allowed for text in block):
                continue
            where = (name, lines[i][0])
            seen = first.setdefault(block, where)
            if seen != where and (seen[0] != name or lines[i][0] - seen[1] > DUPLICATE_WINDOW):
                repeated.append((seen, where, block[0]))
    for (file_a, line_a), (file_b, line_b), text in repeated:
        print(f"{file_b}:{line_b} repeats {file_a}:{line_a}: {text[:70]}")
    if repeated:
        sys.exit(1)
    print("no repeated blocks")


COMMANDS = {
    "duplicates": duplicates,
    "start": start,
    "test": test,
    "messages": messages,
    "lint": lint,
    "typecheck": typecheck,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
