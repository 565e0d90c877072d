#!/usr/bin/env python3
"""The two commands, on any machine with Python 3.11+:

    python3 dev.py start    # install, migrate, load demo data, serve on http://127.0.0.1:8000
    python3 dev.py test     # install and run the whole test suite (pytest arguments pass through)

Also: `python3 dev.py messages` (extract and compile translations), `python3 dev.py lint`.
Everything is installed into .venv/ beside this file; nothing outside it is touched.
"""

from __future__ import annotations

import hashlib
import os
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
    print(f"\nTrekkportal runs at http://{address}/  (Ctrl+C stops it)\n", flush=True)
    # The background worker (parsing, e-mail, schedules) runs beside the web server.
    worker = subprocess.Popen([str(PYTHON), "manage.py", "run_worker"], cwd=ROOT)
    try:
        manage("runserver", address)
    finally:
        if worker.poll() is None:
            worker.terminate()
        worker.wait(30)


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


COMMANDS = {"start": start, "test": test, "messages": messages, "lint": lint}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
