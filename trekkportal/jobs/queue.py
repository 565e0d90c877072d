"""Background jobs: declare a function a job, enqueue it in one line.

    # trekkportal/submissions/jobs.py
    from trekkportal.jobs.queue import job

    @job(max_attempts=3)
    def parse_submission(*, submission_id: int) -> None:
        ...

    # trekkportal/submissions/services.py, inside transaction.atomic():
    parse_submission.enqueue(submission_id=submission.pk)

``enqueue`` writes a row in the caller's transaction: the job exists exactly when the
change that caused it is committed (a rolled-back request leaves no job behind), and a
worker (``manage.py run_worker``) can only see it after the commit. Arguments are keyword
only and must be JSON (ids and short strings — never personal data). Put jobs in
``<app>/jobs.py``: the worker imports those modules at start (that is how it finds the
schedules); a job is found by its dotted name in any case.

A job may run more than once (a worker killed after the work but before it recorded it as
done): make it idempotent. A job that raises is retried with exponential backoff until
``max_attempts`` is used up, then stays ``failed`` with the error (admin: Background jobs).

Scheduled work runs in the same worker, once per slot however many workers run::

    @job(schedule=Daily("reminders", at="07:00"))
    def send_reminders() -> None: ...

The time is local (``TIME_ZONE``) and can be changed without code through
``JOB_SCHEDULE="reminders=06:30,prune_jobs=03:00"``.

In tests, run what is due in-process: ``from trekkportal.jobs.worker import run_pending``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .models import Job

logger = logging.getLogger(__name__)
_REGISTRY: dict[str, JobFunction] = {}
_current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar(
    "trekkportal_current_job", default=None
)


def current_job() -> Job | None:
    """The Job row being run by this worker (None outside a job): ``attempts`` says which
    try this is, ``max_attempts`` how many there will be."""
    return _current_job.get()


@dataclass(frozen=True)
class Daily:
    """Run once a day at ``at`` (HH:MM, local time), overridable by ``JOB_SCHEDULE``."""

    name: str
    at: str = "03:00"

    def time(self) -> dt.time:
        value = getattr(settings, "JOB_SCHEDULE", {}).get(self.name, self.at)
        hours, minutes = (int(part) for part in str(value).split(":"))
        return dt.time(hours, minutes)

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The most recent slot at or before ``now`` (an aware datetime)."""
        local = timezone.localtime(now)
        slot = timezone.make_aware(dt.datetime.combine(local.date(), self.time()))
        if slot > now:
            slot = timezone.make_aware(
                dt.datetime.combine(local.date() - dt.timedelta(days=1), self.time())
            )
        # In UTC: one unambiguous instant even for 02:30 on the days the clocks change.
        return slot.astimezone(dt.UTC)


class JobFunction:
    """A registered job. Call it to run the work directly; ``.enqueue()`` to queue it."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        max_attempts: int | Callable[[], int] = 5,
        priority: int = 0,
        schedule: Daily | None = None,
        timeout: float | None = None,
        on_give_up: Callable[..., Any] | None = None,
    ) -> None:
        self.func = func
        self.on_give_up = on_give_up
        self.timeout = timeout
        self.name = name or f"{func.__module__}.{func.__qualname__}"
        self._max_attempts = max_attempts
        self.priority = priority
        self.schedule = schedule
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__
        self.__module__ = func.__module__
        self.__qualname__ = func.__qualname__

    @property
    def max_attempts(self) -> int:
        """Read when a run is queued: a callable (``lambda: settings.X``) follows the
        settings at run time, not at import."""
        value = self._max_attempts
        return value() if callable(value) else value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<job {self.name}>"

    def enqueue(self, **kwargs: Any) -> Job:
        """Queue a run with these keyword arguments, in the caller's transaction."""
        return self.enqueue_at(None, **kwargs)

    def enqueue_at(self, run_after: dt.datetime | None, /, **kwargs: Any) -> Job:
        """Queue a run that no worker starts before ``run_after``."""
        from .models import Job

        json.dumps(kwargs)  # fail in the caller, not in the worker
        return Job.objects.create(
            name=self.name,
            kwargs=kwargs,
            priority=self.priority,
            max_attempts=self.max_attempts,
            run_after=run_after or timezone.now(),
        )


def job(
    func: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    max_attempts: int | Callable[[], int] = 5,
    priority: int = 0,
    schedule: Daily | None = None,
    timeout: float | None = None,
    on_give_up: Callable[..., Any] | None = None,
) -> Any:
    """Register a function as a job: ``@job`` or ``@job(max_attempts=3, priority=10)``.

    ``max_attempts`` may be a callable, read at each ``enqueue`` (for a setting).

    ``on_give_up(**kwargs)`` runs once when the queue gives a run up for good without the
    job itself having had the last word: its worker died during the last try.

    A higher ``priority`` runs first among due jobs. ``timeout`` (seconds, default
    ``JOBS_TIMEOUT_SECONDS``) stops a run that takes longer with ``JobTimeout`` (counted as
    a failed try) — in ``run_worker``, not in ``run_pending``.
    """

    def register(f: Callable[..., Any]) -> JobFunction:
        job_function = JobFunction(
            f,
            name=name,
            max_attempts=max_attempts,
            priority=priority,
            schedule=schedule,
            timeout=timeout,
            on_give_up=on_give_up,
        )
        _REGISTRY[job_function.name] = job_function
        return job_function

    return register(func) if func is not None else register


def get_job_function(name: str) -> JobFunction:
    """The registered job called ``name``; imports its module when not yet loaded."""
    if name not in _REGISTRY:
        found = import_string(name)
        if not isinstance(found, JobFunction):
            raise LookupError(f"{name} is not a registered job")
    return _REGISTRY[name]


def scheduled_jobs() -> list[JobFunction]:
    return [f for f in _REGISTRY.values() if f.schedule is not None]


_WARM_UPS: list[Callable[[], object]] = []


def on_worker_start(fn: Callable[[], object]) -> Callable[[], object]:
    """Register ``fn`` (in an app's ``jobs`` module) to run once when a worker starts,
    before its first job: what would otherwise make the first job of a fresh worker slow."""
    _WARM_UPS.append(fn)
    return fn


def warm_up() -> None:
    """What every worker does before its first job: Django's URL patterns (e-mails build
    links; loading them takes ~0.3 s) and each app's ``on_worker_start`` functions."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loaded for its side effect)
    for fn in _WARM_UPS:
        try:
            fn()
        except Exception:  # a warm-up is only a head start: the job does it again
            logger.exception("worker warm-up %s failed", fn.__qualname__)


def autodiscover() -> None:
    """Import every installed app's ``jobs`` module (and so its schedules)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
