"""The worker: takes due jobs one at a time, runs them, records the outcome.

Taking a job is one short transaction. On PostgreSQL the candidate row is read with
``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent workers pass each other by; on every
database the row is then taken with a conditional UPDATE (``WHERE id = … AND status/lease
still as read``) — on SQLite, whose ``BEGIN IMMEDIATE`` serialises writers, that UPDATE
is the whole guarantee. A taken job carries a lease (``locked_until``) renewed by a
heartbeat thread while it runs; a job whose worker died (SIGKILL, power loss) is taken
again by any worker once its lease has run out.

``run_pending()`` runs everything due in the current process (tests, one-off scripts).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from trekkportal.lib.errors import safe_error

from . import queue
from .models import Job, ScheduledRun

logger = logging.getLogger("trekkportal.jobs")


class JobTimeout(Exception):
    """Raised inside a job that ran longer than its timeout (a failed try)."""


class WorkerInterrupted(BaseException):
    """Raised inside a running job when the worker must stop now (second signal or the
    shutdown grace period ran out); the job is released for another worker."""


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def lease_seconds() -> float:
    return float(_setting("JOBS_LEASE_SECONDS", 60))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before try ``attempts + 1``: base · 2^(attempts-1), ±10 % jitter, capped."""
    base = float(_setting("JOBS_BACKOFF_SECONDS", 30))
    cap = float(_setting("JOBS_BACKOFF_MAX_SECONDS", 3600))
    seconds = min(base * 2 ** max(attempts - 1, 0), cap)
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _claimable(now: dt.datetime) -> Q:
    due = Q(status=Job.Status.QUEUED, run_after__lte=now)
    abandoned = Q(status=Job.Status.RUNNING, locked_until__lt=now)
    return due | abandoned


def claim(worker_id: str, *, now: dt.datetime | None = None) -> Job | None:
    """Take the next due job for ``worker_id``, or None. Never gives one job to two workers."""
    fixed_now = now
    if not Job.objects.filter(_claimable(fixed_now or timezone.now())).exists():
        return None  # idle: a plain read, no write lock (SQLite takes one per transaction)
    for _ in range(20):  # a few rounds when other workers snatch our candidates
        now = fixed_now or timezone.now()
        with transaction.atomic():
            candidates = Job.objects.filter(_claimable(now)).order_by(
                "-priority", "run_after", "id"
            )
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            row = candidates.values(
                "pk", "name", "kwargs", "status", "locked_until", "attempts", "max_attempts"
            )
            row = next(iter(row[:1]), None)
            if row is None:
                return None
            same_state = Job.objects.filter(
                pk=row["pk"], status=row["status"], locked_until=row["locked_until"]
            )
            if row["status"] == Job.Status.RUNNING and row["attempts"] >= row["max_attempts"]:
                # Its worker died on the last try: give up rather than loop forever.
                same_state.update(
                    status=Job.Status.FAILED,
                    finished_at=now,
                    locked_by="",
                    locked_until=None,
                    last_error="The worker stopped during the last attempt (lease expired).",
                )
                logger.warning("job %s failed: lease expired on the last attempt", row["pk"])
                _give_up(row["name"], row["kwargs"])
                continue
            taken = same_state.update(
                status=Job.Status.RUNNING,
                locked_by=worker_id,
                locked_until=now + dt.timedelta(seconds=lease_seconds()),
                attempts=F("attempts") + 1,
                started_at=now,
            )
            if taken:
                return Job.objects.get(pk=row["pk"])
    return None


def _give_up(name: str, kwargs: dict) -> None:
    """Let the job record that it will not run again (e.g. a file "could not be read")."""
    try:
        hook = queue.get_job_function(name).on_give_up
        if hook is not None:
            hook(**kwargs)
    except Exception as exc:
        logger.error("job %s: its give-up hook failed: %s", name, safe_error(exc))


class _Heartbeat(threading.Thread):
    """Renews the lease of a running job from a side thread (its own DB connection)."""

    def __init__(self, job_id: int, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(lease_seconds() / 3, 0.2)
        try:
            while not self.stopped.wait(interval):
                try:
                    Job.objects.filter(
                        pk=self.job_id, locked_by=self.worker_id, status=Job.Status.RUNNING
                    ).update(locked_until=timezone.now() + dt.timedelta(seconds=lease_seconds()))
                except Exception:  # a busy or lost database: try again next beat
                    logger.exception("heartbeat for job %s failed", self.job_id)
                    close_old_connections()
        finally:
            from django.db import connections

            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def _finish(job: Job, worker_id: str, **fields: Any) -> None:
    updated = Job.objects.filter(pk=job.pk, locked_by=worker_id).update(
        locked_by="", locked_until=None, **fields
    )
    if not updated:
        logger.warning("job %s: lease lost before the result was recorded", job.pk)


def release(job: Job, worker_id: str) -> None:
    """Give a job back untouched (worker shutting down): it does not count as a try."""
    _finish(
        job,
        worker_id,
        status=Job.Status.QUEUED,
        attempts=F("attempts") - 1,
        run_after=timezone.now(),
    )
    logger.info("job %s %s released", job.pk, job.name)


def execute(job: Job, worker_id: str, *, heartbeat: bool = True) -> bool:
    """Run a taken job and record done / retry / failed. True when it succeeded."""
    beat = _Heartbeat(job.pk, worker_id) if heartbeat else None
    if beat:
        beat.start()
    token = queue._current_job.set(job)
    started = time.monotonic()
    try:
        function = queue.get_job_function(job.name)
        function.func(**job.kwargs)
    except WorkerInterrupted:
        release(job, worker_id)
        raise
    except Exception as exc:
        error = safe_error(exc)
        if job.attempts >= job.max_attempts:
            _finish(job, worker_id, status=Job.Status.FAILED, finished_at=timezone.now(),
                    last_error=error)  # fmt: skip
            logger.error("job %s %s failed for good after %s tries: %s",
                         job.pk, job.name, job.attempts, error)  # fmt: skip
        else:
            wait = backoff(job.attempts)
            _finish(job, worker_id, status=Job.Status.QUEUED,
                    run_after=timezone.now() + wait, last_error=error)  # fmt: skip
            logger.warning("job %s %s try %s/%s failed, again in %.0fs: %s",
                           job.pk, job.name, job.attempts, job.max_attempts,
                           wait.total_seconds(), error)  # fmt: skip
        return False
    finally:
        queue._current_job.reset(token)
        if beat:
            beat.stop()
    _finish(job, worker_id, status=Job.Status.DONE, finished_at=timezone.now(), last_error="")
    logger.info("job %s %s done in %.2fs", job.pk, job.name, time.monotonic() - started)
    return True


def enqueue_scheduled(*, now: dt.datetime | None = None) -> list[Job]:
    """Queue each scheduled job whose latest slot nobody has claimed yet."""
    now = now or timezone.now()
    queue.autodiscover()
    queued = []
    for function in queue.scheduled_jobs():
        slot = function.schedule.latest_slot(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(schedule=function.schedule.name, slot=slot)
                run.job = function.enqueue()
                run.save(update_fields=["job"])
        except IntegrityError:
            continue  # another worker (or an earlier round) has it
        logger.info("schedule %s: queued the %s slot", function.schedule.name, slot.isoformat())
        queued.append(run.job)
    return queued


def run_pending(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Run every job due at ``now`` (default: the current time) in this process, including
    jobs those jobs enqueue. No heartbeat thread. Returns how many jobs ran."""
    worker_id = f"inline-{os.getpid()}"
    count = 0
    while count < limit:
        job = claim(worker_id, now=now)
        if job is None:
            break
        execute(job, worker_id, heartbeat=False)
        count += 1
    return count


# An idle worker looks at the queue twenty times a second: one indexed read each (``claim``
# writes nothing when there is no job, so SQLite's write lock is not taken), and a list
# handed in waits at most 0.05 s before its parse starts. (A 1 s, then 0.25 s, poll was
# most of a 500-row list's time to a finished receipt: its parse, store and reconcile
# take ~0.08 s.) The cost, measured on the 2 vCPU development machine: an idle worker uses
# ~2 % of a core on PostgreSQL and ~7 % on SQLite (~2.5 % at 0.25 s); ``--poll-interval``
# trades one against the other.
DEFAULT_POLL_INTERVAL = 0.05


class Worker:
    """The loop behind ``manage.py run_worker``."""

    def __init__(
        self, *, poll_interval: float = DEFAULT_POLL_INTERVAL, grace: float | None = None
    ) -> None:
        self.id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.poll_interval = poll_interval
        self.grace = float(_setting("WORKER_SHUTDOWN_GRACE", 20) if grace is None else grace)
        self.stopping = threading.Event()
        self.busy = False
        self._next_schedule_check = 0.0
        self._next_connection_check = 0.0
        self.use_alarm = False  # set when the signal handlers are installed (main thread)

    # signals -------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if hasattr(signal, "SIGALRM"):
            signal.signal(signal.SIGALRM, self._on_alarm)
            self.use_alarm = True

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.stopping.is_set():
            logger.warning("worker %s: second signal, stopping now", self.id)
            raise WorkerInterrupted
        self.stopping.set()
        if self.busy:
            logger.info("worker %s: stopping after the current job (at most %ss)",
                        self.id, self.grace)  # fmt: skip
            if hasattr(signal, "alarm"):
                timeout_left = signal.alarm(0)
                grace = max(int(self.grace), 1)
                signal.alarm(min(grace, timeout_left) if timeout_left else grace)
        else:
            logger.info("worker %s: stopping", self.id)

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if not self.busy:
            return
        if self.stopping.is_set():
            logger.warning("worker %s: grace period over, releasing the job", self.id)
            raise WorkerInterrupted
        raise JobTimeout("the job ran longer than its timeout")

    def _timeout_for(self, job: Job) -> int:
        try:
            timeout = queue.get_job_function(job.name).timeout
        except Exception:
            return 0  # unknown job: execute() records the failure
        if timeout is None:
            timeout = float(_setting("JOBS_TIMEOUT_SECONDS", 900))
        return max(int(timeout + 0.999), 1) if timeout else 0

    # loop ----------------------------------------------------------------------------
    def run_once(self) -> bool:
        """One round: the schedules (every 30 s), then at most one job. True if one ran."""
        if time.monotonic() >= self._next_connection_check:
            # Broken or too old connections are dropped once a second while idle, not
            # every round: with SQLite's CONN_MAX_AGE of 0 that was twenty reconnects a
            # second, a tenth of a core for an idle worker. (After a job, always: below.)
            close_old_connections()
            self._next_connection_check = time.monotonic() + 1
        if time.monotonic() >= self._next_schedule_check:
            enqueue_scheduled()
            self._next_schedule_check = time.monotonic() + 30
        job = claim(self.id)
        if job is None:
            return False
        self.busy = True
        timeout = self._timeout_for(job) if self.use_alarm else 0
        try:
            if timeout:
                signal.alarm(timeout)
            execute(job, self.id)
        finally:
            self.busy = False  # first: a late alarm now finds nothing to interrupt
            if self.use_alarm:
                signal.alarm(0)
            close_old_connections()
        return True

    def run(self) -> None:
        queue.autodiscover()
        queue.warm_up()
        logger.info("worker %s started (lease %ss)", self.id, lease_seconds())
        try:
            while not self.stopping.is_set():
                try:
                    ran = self.run_once()
                except WorkerInterrupted:
                    raise
                except Exception:  # the database went away, a deploy is migrating, ...
                    logger.exception("worker %s: round failed, retrying", self.id)
                    from django.db import connections

                    connections.close_all()
                    ran = False
                    # at least a second: a database that is down is not asked 20 times a second
                    self.stopping.wait(min(max(self.poll_interval * 5, 1.0), 10))
                if not ran:
                    self.stopping.wait(self.poll_interval)
        except WorkerInterrupted:
            pass
        finally:
            if hasattr(signal, "alarm"):
                signal.alarm(0)
            from django.db import connections

            connections.close_all()
            logger.info("worker %s stopped", self.id)
