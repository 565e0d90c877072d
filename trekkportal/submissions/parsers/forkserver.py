"""A pre-started parser process that forks one limited child per file.

Starting a fresh interpreter and importing calamine and the parser costs ~0.15 s a file.
So each process that parses (a worker, ``inspect_list``) starts, on its first file, one
*fork server*: a fresh interpreter running ``serve`` here, exec'd with a minimal
environment (no database URL, no secret key), which imports only the parser and waits.
It never opens a database connection or reads a setting, so what a child inherits is the
parser and nothing else. For every file it forks a child that sets its own limits (``RLIMIT_AS``,
``RLIMIT_CPU``, no file writes, no core dumps), reads the file and answers.

The wire, all Unix sockets of type ``SOCK_SEQPACKET`` (message boundaries kept):

* parent ↔ server: one socket pair, made when the server starts. Per file the parent
  sends one small message (the wall-clock limit) with two descriptors: its end of a new
  *request socket* pair and the file, opened read-only. The server never sees a path.
* parent ↔ child, the request socket: the parent sends the request (JSON) and shuts its
  side for writing; the child answers in ``DATA`` messages (orjson in pieces): first,
  while it is still reading, slices of lines, each ended by one ``PART`` message (the
  parent works on them meanwhile), then the answer itself, which the child's exit ends.
  Its standard error comes through the same socket. The server keeps its copy of the
  socket and, once it has reaped the child, sends one ``STATUS`` message (the exit code,
  and whether it killed the child at the time limit), then closes it.

The parent keeps its own deadline too; a server that dies is started again (the file is
tried once more); a server whose parent died reads end-of-file and exits, killing its
children. Nothing here unpickles anything: the answer is JSON, read as data.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATA = b"\x00D"
PART = b"\x00P"  # the DATA since the last PART make one document: a slice of lines
STATUS = b"\x00S"
CHUNK = 60_000  # bytes per message: below the socket's buffer, whatever the kernel's
_RECV = CHUNK + 1024
_PROJECT_ROOT = str(Path(__file__).resolve().parents[3])
_GRACE_S = 1.0  # the server's own limit is a little later than the parent's
_MAIN = (
    "import sys; from trekkportal.submissions.parsers.forkserver import serve; "
    "serve(int(sys.argv[1]))"
)


class ServerGone(Exception):
    """The fork server died (or could not be started): start a new one."""


@dataclass
class Answer:
    """What came back for one file: the answer's bytes, the child's standard error (its
    last 16 KiB), its exit code (None when no status came), whether it hit a limit, and
    what it used."""

    payload: bytes
    stderr: bytes
    exitcode: int | None
    killed_at_limit: bool
    timed_out: bool  # the parent's own deadline passed
    cpu_s: float = 0.0  # the child's CPU time (user + system), for the benchmarks
    maxrss_kb: int = 0  # the child's peak resident memory


# --- the parent's side --------------------------------------------------------------------


class ForkServer:
    """The client of one fork server, started lazily, restarted when it dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._owner = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start(self) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # The server gets no secrets (database URL, secret key...): only what Python needs.
        python_path = os.pathsep.join(filter(None, [_PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
        env = {"PYTHONPATH": python_path, "PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"}
        try:
            self._process = subprocess.Popen(  # noqa: S603 (this very module)
                [sys.executable, "-c", _MAIN, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=_PROJECT_ROOT,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except OSError as exc:
            ours.close()
            raise ServerGone from exc
        finally:
            theirs.close()
        self._socket, self._owner = ours, os.getpid()
        return ours

    def _server_socket(self) -> socket.socket:
        alive = self._process is not None and self._process.poll() is None
        if self._socket is None or not alive or self._owner != os.getpid():
            self.stop()
            return self._start()
        return self._socket

    def start(self) -> None:
        """Start the server now if it is not running (a worker does so before its first
        file, so that file does not wait ~0.5 s for the server's imports)."""
        with self._lock:
            self._server_socket()

    def stop(self) -> None:
        """Stop the server (its children die with it); the next file starts a new one."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process is not None and self._owner == os.getpid():
            try:
                self._process.wait(timeout=2)  # it exits on end-of-file
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def run(
        self,
        request: bytes,
        file_fd: int,
        *,
        timeout_s: float,
        on_part: Callable[[bytes], None] | None = None,
    ) -> Answer:
        """Send one file to a new child and collect its answer; ServerGone when the server
        died before the child could answer (the caller may try once more).

        ``on_part`` gets each document the child ends with ``PART`` as it arrives, while
        the child works on; the answer's ``payload`` is what came after the last one."""
        deadline = time.monotonic() + timeout_s
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with self._lock:
                server = self._server_socket()
                process = self._process
                header = json.dumps({"timeout_s": timeout_s + _GRACE_S}).encode()
                try:
                    socket.send_fds(server, [header], [theirs.fileno(), file_fd])
                except OSError as exc:
                    self.stop()
                    raise ServerGone from exc
            theirs.close()
            try:
                return _exchange(ours, request, deadline, on_part)
            except ServerGone:
                with self._lock:  # not a newer server another thread started meanwhile
                    if self._process is process:
                        self.stop()
                raise
        finally:
            theirs.close()
            ours.close()


def _exchange(
    sock: socket.socket,
    request: bytes,
    deadline: float,
    on_part: Callable[[bytes], None] | None,
) -> Answer:
    payload: list[bytes] = []
    stderr = bytearray()
    try:
        for start in range(0, len(request), CHUNK):
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            sock.sendall(request[start : start + CHUNK])
        sock.shutdown(socket.SHUT_WR)
    except TimeoutError:
        return Answer(b"", bytes(stderr), None, False, timed_out=True)
    except OSError:
        pass  # the child is gone already: its status says why
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Answer(b"", bytes(stderr), None, False, timed_out=True)
        sock.settimeout(remaining)
        try:
            message = sock.recv(_RECV)
        except TimeoutError:
            return Answer(b"", bytes(stderr), None, False, timed_out=True)
        except OSError:
            message = b""
        if not message:  # end of file without a status: the server died
            raise ServerGone
        if message.startswith(DATA):
            payload.append(message[len(DATA) :])
        elif message.startswith(PART):
            part = b"".join(payload)
            payload.clear()
            if on_part is not None:
                on_part(part)
        elif message.startswith(STATUS):
            try:
                status = json.loads(message[len(STATUS) :])
                exitcode, killed = int(status["exit"]), bool(status["killed"])
                cpu_s, maxrss_kb = float(status.get("cpu_s", 0)), int(status.get("maxrss_kb", 0))
            except (ValueError, TypeError, KeyError):
                exitcode, killed, cpu_s, maxrss_kb = -1, False, 0.0, 0
            payload_bytes = b"".join(payload)
            return Answer(payload_bytes, bytes(stderr), exitcode, killed, False, cpu_s, maxrss_kb)
        else:  # the child's standard error
            stderr += message
            del stderr[:-16384]


# --- the server ---------------------------------------------------------------------------


def serve(master_fd: int) -> None:
    """The server's loop: fork a child per request, reap it, report its status."""
    import gc

    from trekkportal.submissions.parsers import sandbox

    sandbox.prepare_child()  # import the readers once, for every child
    prctl = _libc_prctl()
    gc.collect()
    gc.freeze()  # the children do not copy the imported modules' pages by touching them
    master = socket.socket(fileno=master_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the poll below
    children: dict[int, tuple[socket.socket, float]] = {}  # pid -> (request socket, deadline)
    killed: set[int] = set()
    poller = select.poll()
    poller.register(master, select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    while True:
        now = time.monotonic()
        for pid, (_, deadline) in children.items():
            if deadline <= now and pid not in killed:
                _kill(pid)
                killed.add(pid)
        waits = [deadline - now for pid, (_, deadline) in children.items() if pid not in killed]
        timeout_ms = None if not waits else max(1, int(min(waits) * 1000) + 1)
        try:
            events = poller.poll(timeout_ms)
        except InterruptedError:
            events = []
        for fd, _ in events:
            if fd == wake_r:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                continue
            try:
                header, fds, _flags, _addr = socket.recv_fds(master, 4096, 2)
            except OSError:
                header, fds = b"", []
            if not header:  # the parent is gone: so are we, and our children
                for pid in children:
                    _kill(pid)
                os._exit(0)
            if len(fds) != 2:
                for fd_ in fds:
                    os.close(fd_)
                continue
            request_fd, file_fd = fds
            try:
                timeout_s = float(json.loads(header)["timeout_s"])
            except (ValueError, TypeError, KeyError):
                timeout_s = 60.0
            pid = os.fork()
            if pid == 0:  # the child
                code = 70
                try:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd_ in (master_fd, wake_r, wake_w):
                        os.close(fd_)
                    for other, _ in children.values():
                        other.close()
                    _die_with_the_server(prctl)
                    os.dup2(request_fd, 2)  # standard error goes to the parent too
                    sandbox.child_main(socket.socket(fileno=request_fd), file_fd)
                    code = 0
                finally:
                    os._exit(code)
            os.close(file_fd)
            children[pid] = (socket.socket(fileno=request_fd), time.monotonic() + timeout_s)
        while children:
            try:
                pid, wait_status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            sock, _ = children.pop(pid)
            status = {
                "exit": os.waitstatus_to_exitcode(wait_status),
                "killed": pid in killed,
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
                "maxrss_kb": usage.ru_maxrss,
            }
            killed.discard(pid)
            with contextlib.suppress(OSError):  # the parent may have stopped waiting
                sock.send(STATUS + json.dumps(status).encode())
            sock.close()


def _libc_prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the CPU limit still holds
        return None


def _die_with_the_server(prctl) -> None:
    """A child whose server died (and with it the wall-clock limit) is killed too."""
    if prctl is not None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
