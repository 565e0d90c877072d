import pytest
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job

from . import sample_jobs

pytestmark = pytest.mark.django_db


def test_staff_see_the_jobs_and_their_errors(staff_client):
    job = sample_jobs.remember.enqueue(x=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, last_error="RuntimeError: x")

    listing = staff_client.get(reverse("admin:jobs_job_changelist"))
    detail = staff_client.get(reverse("admin:jobs_job_change", args=[job.pk]))

    assert listing.status_code == 200
    assert "sample_jobs.remember" in listing.content.decode()
    assert "RuntimeError: x" in detail.content.decode()


def test_staff_can_run_failed_jobs_again(staff_client):
    failed = sample_jobs.remember.enqueue(x=1)
    done = sample_jobs.remember.enqueue(x=2)
    Job.objects.filter(pk=failed.pk).update(status=Job.Status.FAILED, attempts=5)
    Job.objects.filter(pk=done.pk).update(status=Job.Status.DONE, attempts=1)

    staff_client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": "retry", "_selected_action": [failed.pk, done.pk]},
    )

    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts) == (Job.Status.QUEUED, 0)
    assert done.status == Job.Status.DONE
    event = AuditEvent.objects.get(action="jobs.retried")
    assert event.actor_label == "siri@forbundet.example" and event.data == {"count": 1}


def test_an_employer_cannot_see_the_jobs(client_a):
    response = client_a.get(reverse("admin:jobs_job_changelist"), follow=True)

    assert response.status_code == 404  # the admin's login refuses employers (D6)
    assert "sample_jobs" not in response.content.decode()
