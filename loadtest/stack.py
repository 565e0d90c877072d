"""A throw-away production-like Trekkportal on this machine, for the load and fault scripts:
gunicorn (DEBUG off, collected static files) + workers + PostgreSQL + Redis, everything on
127.0.0.1. Its database is a scratch database created and dropped here; its files and logs
live under var/loadtest/<name>/.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Only loopback, only the ports this project's scripts may use.
HOST = "127.0.0.1"
PORTS = range(8107, 8120)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


def wait_for_port(port: int, timeout: float = 60, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited ({process.returncode})")
        if not port_free(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout} s")


class Stack:
    def __init__(self, name: str, *, database_url: str, redis_url: str, **environ: str):
        parts = urlsplit(database_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("The load and fault scripts only run against 127.0.0.1.")
        self.admin_url = database_url
        self.db_name = f"{parts.path.lstrip('/') or 'trekkportal'}_{name}"
        self.database_url = parts._replace(path=f"/{self.db_name}").geturl()
        self.root = ROOT / "var" / "loadtest" / name
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "logs").mkdir(parents=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trekkportal.settings",
            "DEBUG": "false",
            "SECRET_KEY": "load-" + secrets.token_urlsafe(40),
            "TREKKPORTAL_VAR_DIR": str(self.root / "var"),
            "MEDIA_ROOT": str(self.root / "media"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"{redis_url.split('?')[0]}?key_prefix={name}-{secrets.token_hex(4)}",
            "CACHE_URL": "",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            "TRUSTED_PROXY_COUNT": "1",
            **environ,
        }

    # The database -------------------------------------------------------------------------
    def psql(self, sql: str, database: str = "postgres") -> str:
        parts = urlsplit(self.admin_url)
        env = {**os.environ}
        if parts.password:
            env["PGPASSWORD"] = parts.password
        args = ["psql", "-h", parts.hostname, "-p", str(parts.port or 5432), "-d", database]
        if parts.username:
            args += ["-U", parts.username]
        result = subprocess.run(
            [*args, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def query(self, sql: str) -> list[list[str]]:
        out = self.psql(sql, self.db_name)
        return [line.split("|") for line in out.splitlines() if line]

    def create(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{self.db_name}"')
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("collectstatic", "--no-input", "-v", "0")

    def drop(self) -> None:
        self.stop_all()
        self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    # Commands and processes ----------------------------------------------------------------
    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def _start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def web(self, port: int, *, processes: int | None = None, threads: int = 4, **env: str):
        if port not in PORTS or not port_free(port):
            raise SystemExit(
                f"port {port} is not free or not one of {PORTS.start}-{PORTS.stop - 1}"
            )
        environ = {**self.env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_THREADS": str(threads)}
        if processes:
            environ["WEB_CONCURRENCY"] = str(processes)
        environ.update(env)
        process = self._start(
            f"web-{port}",
            [PYTHON, "-m", "gunicorn", "-c", "python:trekkportal.gunicorn_conf"],
            environ,
        )
        wait_for_port(port, process=process)
        return process

    def nginx(self, port: int, upstream: int) -> subprocess.Popen:
        """nginx on ``port`` in front of gunicorn on ``upstream``, with the locations, the
        body limit and the proxy headers of ``deploy/nginx/`` (only TLS and the plain-HTTP
        redirect are left out). The simulated people's addresses come from locust's
        X-Forwarded-For (realip from 127.0.0.1), as a real client's address would."""
        if port not in PORTS or not port_free(port):
            raise SystemExit(
                f"port {port} is not free or not one of {PORTS.start}-{PORTS.stop - 1}"
            )
        prefix = self.root / "nginx"
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / temp).mkdir(parents=True, exist_ok=True)
        (prefix / "nginx.conf").write_text(
            nginx_config(port=port, upstream=upstream, prefix=prefix, logs=self.root / "logs")
        )
        process = self._start(
            f"nginx-{port}",
            ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
            self.env,
        )
        wait_for_port(port, process=process)
        return process

    def worker(self, name: str, **env: str) -> subprocess.Popen:
        return self._start(
            f"worker-{name}", [PYTHON, str(ROOT / "manage.py"), "run_worker"], {**self.env, **env}
        )

    def web_children(self, port: int) -> list[int]:
        """The pids of gunicorn's worker processes under the web process on ``port``."""
        master = self.processes[f"web-{port}"].pid
        out = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 40) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    # What the database says -------------------------------------------------------------
    def wait_until_quiet(self, timeout: float = 120) -> bool:
        """Until every file is read and no e-mail waits (True), or ``timeout`` (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.query(
                "SELECT (SELECT count(*) FROM submissions_submittedfile"
                "        WHERE state NOT IN ('done', 'failed')),"
                "       (SELECT count(*) FROM mail_outboxmessage WHERE status = 'queued')"
            )
            if busy == [["0", "0"]]:
                return True
            time.sleep(1)
        return False

    def files(self) -> dict[int, dict]:
        """submission id -> its (single) file: name, SHA-256, state, stored name, lines."""
        rows = self.query(
            "SELECT s.id, f.original_name, f.sha256, f.state, f.storage_name,"
            " (SELECT count(*) FROM submissions_deductionline l WHERE l.submitted_file_id = f.id)"
            " FROM submissions_submission s JOIN submissions_submittedfile f"
            " ON f.submission_id = s.id"
        )
        return {
            int(r[0]): {
                "name": r[1],
                "sha256": r[2],
                "state": r[3],
                "stored": r[4],
                "lines": int(r[5]),
            }
            for r in rows
        }

    def stored_sha256(self, storage_name: str) -> str:
        import hashlib

        return hashlib.sha256((self.root / "media" / storage_name).read_bytes()).hexdigest()


DEPLOY_SITE = ROOT / "deploy" / "nginx" / "trekkportal.conf"
DEPLOY_PROXY = ROOT / "deploy" / "nginx" / "trekkportal-proxy.conf"
DEPLOY_ERRORS = ROOT / "deploy" / "nginx" / "errors"


def nginx_config(*, port: int, upstream: int, prefix: Path, logs: Path) -> str:
    """A whole nginx.conf for a loopback instance: the HTTPS server of the deploy site
    from ``client_max_body_size`` to its end (limits, the 413 page, the page for an
    unreachable application, the locations), served over plain HTTP on ``port``; the
    files the site expects under /etc/nginx/ are read from the checkout."""
    site = DEPLOY_SITE.read_text()
    body = site[site.index("client_max_body_size") : site.rindex("}")]
    body = body.replace("/etc/nginx/trekkportal-proxy.conf", str(DEPLOY_PROXY))
    body = body.replace("/etc/nginx/trekkportal-errors/", f"{DEPLOY_ERRORS}/")
    user = "" if os.geteuid() != 0 else "user root;"  # root's workers must reach the temp dirs
    temps = "\n".join(
        f"    {kind}_temp_path {prefix / name};"
        for kind, name in (
            ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"),
            ("uwsgi", "uwsgi"), ("scgi", "scgi"),
        )
    )  # fmt: skip
    return f"""{user}
worker_processes auto;
pid {prefix / "nginx.pid"};
error_log {logs / "nginx-error.log"} warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temps}
    upstream trekkportal {{
        server {HOST}:{upstream} fail_timeout=0;
        keepalive 16;
        keepalive_timeout 60s;
    }}
    server {{
        listen {HOST}:{port};
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        {body}
    }}
}}
"""


class PrivatePostgres:
    """A PostgreSQL server of its own on a loopback port (initdb into a scratch folder), so
    a fault test can really restart it without touching the machine's shared server.
    Run as the ``postgres`` user when we are root (PostgreSQL refuses root)."""

    def __init__(self, folder: Path, port: int) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found and not shutil.which("initdb"):
            raise RuntimeError("no initdb: install PostgreSQL's server package")
        self.bin = found[-1].parent if found else Path(shutil.which("initdb") or "").parent
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.log = folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/trekkportal"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.port not in PORTS or not port_free(self.port):
            raise SystemExit(f"port {self.port} is not free or not one of the project's")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.pg_ctl("start")

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -c listen_addresses={HOST} -k {self.folder} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-m",
            "fast", action,
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self.pg_ctl("stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
