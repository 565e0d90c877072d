import datetime as dt

import pytest
import time_machine
from django.db import transaction

from trekkportal.jobs.models import Job, ScheduledRun
from trekkportal.jobs.queue import Daily, JobFunction, get_job_function
from trekkportal.jobs.worker import claim, enqueue_scheduled, run_pending

from . import sample_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calls():
    sample_jobs.CALLS.clear()
    yield
    sample_jobs.CALLS.clear()


def test_enqueue_is_one_line_and_runs_with_its_arguments():
    sample_jobs.remember.enqueue(submission_id=7, kind="xlsx")

    assert run_pending() == 1
    assert sample_jobs.CALLS == [{"submission_id": 7, "kind": "xlsx"}]
    job = Job.objects.get()
    assert job.status == Job.Status.DONE
    assert job.attempts == 1
    assert job.name == "trekkportal.jobs.tests.sample_jobs.remember"


def test_a_rolled_back_transaction_leaves_no_job():
    def change_that_fails():
        with transaction.atomic():
            sample_jobs.remember.enqueue(x=1)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()

    assert not Job.objects.exists()


def test_it_refuses_arguments_that_are_not_json():
    with pytest.raises(TypeError):
        sample_jobs.remember.enqueue(when=dt.date(2026, 1, 1))


def test_a_failing_job_is_retried_with_growing_backoff_then_fails_for_good(settings):
    settings.JOBS_BACKOFF_SECONDS = 60
    waits = []
    with time_machine.travel(dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        sample_jobs.always_fails.enqueue(note="x")
        for _ in range(3):
            assert run_pending() == 1
            job = Job.objects.get()
            if job.status == Job.Status.QUEUED:
                waits.append((job.run_after - dt.datetime.now(tz=dt.UTC)).total_seconds())
                assert run_pending() == 0  # not before the backoff is over
                clock.move_to(job.run_after)

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.attempts == 3
    assert 54 <= waits[0] <= 66 and 108 <= waits[1] <= 132
    assert "RuntimeError" in job.last_error
    assert "01019012345" not in job.last_error  # identity numbers are masked
    assert "010190*****" in job.last_error


def test_jobs_enqueued_by_jobs_run_in_the_same_round():
    sample_jobs.enqueue_more.enqueue(depth=2)

    assert run_pending() == 3
    assert [c["depth"] for c in sample_jobs.CALLS] == [2, 1, 0]


def test_a_job_whose_lease_ran_out_is_taken_again():
    now = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        sample_jobs.remember.enqueue(x=1)
        taken = claim("dead-worker")
    assert taken.status == Job.Status.RUNNING
    assert claim("other", now=now) is None  # leased

    later = now + dt.timedelta(minutes=5)
    again = claim("other", now=later)

    assert again.pk == taken.pk
    assert again.attempts == 2
    assert again.locked_by == "other"


def test_a_job_abandoned_on_its_last_try_is_marked_failed():
    job = sample_jobs.remember.enqueue(x=1)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempts=job.max_attempts,
        locked_by="dead",
        locked_until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )

    assert claim("other") is None
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "lease expired" in job.last_error


def test_higher_priority_jobs_run_first():
    sample_jobs.remember.enqueue(order="low")
    JobFunction(sample_jobs.remember.func, name=sample_jobs.remember.name, priority=5).enqueue(
        order="high"
    )

    run_pending()

    assert [c["order"] for c in sample_jobs.CALLS] == ["high", "low"]


def test_an_unknown_job_fails_instead_of_crashing_the_worker():
    Job.objects.create(name="trekkportal.nowhere.job", max_attempts=1)

    run_pending()

    assert Job.objects.get().status == Job.Status.FAILED


def test_get_job_function_finds_a_job_by_its_dotted_name():
    assert get_job_function(sample_jobs.remember.name) is sample_jobs.remember


class TestSchedules:
    @pytest.fixture
    def nightly(self, monkeypatch):
        from trekkportal.jobs import queue

        function = JobFunction(
            sample_jobs.remember.func, name="tests.nightly", schedule=Daily("nightly", at="03:00")
        )
        monkeypatch.setitem(queue._REGISTRY, "tests.nightly", function)
        return function

    def test_a_slot_is_queued_once_however_many_workers_look(self, nightly):
        now = dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC)  # 06:00 in Oslo

        first = enqueue_scheduled(now=now)
        second = enqueue_scheduled(now=now + dt.timedelta(minutes=1))

        assert [j.name for j in first if j.name == "tests.nightly"] == ["tests.nightly"]
        assert second == []
        run = ScheduledRun.objects.get(schedule="nightly")
        assert run.schedule == "nightly"
        assert run.slot == dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # 03:00 Oslo

    def test_the_next_day_is_a_new_slot(self, nightly):
        enqueue_scheduled(now=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC))
        enqueue_scheduled(now=dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC))  # before 03:00
        enqueue_scheduled(now=dt.datetime(2026, 11, 3, 2, 30, tzinfo=dt.UTC))

        assert ScheduledRun.objects.filter(schedule="nightly").count() == 2
        assert Job.objects.filter(name="tests.nightly").count() == 2

    def test_the_time_can_be_configured(self, nightly, settings):
        settings.JOB_SCHEDULE = {"nightly": "06:30"}

        enqueue_scheduled(now=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC))

        assert ScheduledRun.objects.get(schedule="nightly").slot == dt.datetime(
            2026, 11, 1, 5, 30, tzinfo=dt.UTC
        )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # spring forward (29 March 2026): 02:30 does not exist in Oslo; one slot that day
        (
            dt.datetime(2026, 3, 29, 5, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
        ),
        # fall back (25 October 2026): 02:30 happens twice; the first one counts
        (
            dt.datetime(2026, 10, 25, 5, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),
        ),
    ],
)
def test_daily_slots_are_well_defined_on_daylight_saving_days(now, expected):
    assert Daily("dst", at="02:30").latest_slot(now) == expected


def test_only_jobs_that_do_real_work_are_scheduled():
    """No placeholder schedules (a job that "does nothing until X exists" hides a missing
    feature behind a green job row): adding a schedule means updating this list."""
    from trekkportal.jobs.queue import autodiscover, scheduled_jobs

    autodiscover()

    assert sorted(f.schedule.name for f in scheduled_jobs()) == [
        "prune_jobs",
        "purge_expired",
        "reminders",
        "sweep_orphan_files",
    ]
