import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import enqueue_scheduled, run_pending
from trekkportal.lib.periods import Period
from trekkportal.mail.models import OutboxMessage, Reminder
from trekkportal.mail.reminders import overdue_period, send_missing_list_reminders

pytestmark = pytest.mark.django_db

OCTOBER = Period(2026, 10)
AFTER_DEADLINE = dt.date(2026, 11, 16)


@pytest.fixture
def companies(company_a, company_b, company_c, employer_a, employer_b):
    """A (and C) belong to employer_a, B to employer_b; all exist long before October."""
    from trekkportal.accounts.models import Company

    Company.objects.update(created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    return company_a, company_b, company_c


def submit(company, period):
    submission = apps.get_model("submissions", "Submission")
    return submission.objects.create(
        company=company, period=period.first_day, contact_email="lonn@example.org"
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 15), Period(2026, 9)),  # the deadline day itself is still in time
        (dt.date(2026, 11, 16), Period(2026, 10)),
        (dt.date(2026, 12, 1), Period(2026, 10)),
        (dt.date(2027, 1, 16), Period(2026, 12)),
    ],
)
def test_the_overdue_period_is_the_latest_whose_deadline_has_passed(today, expected):
    assert overdue_period(today) == expected


def test_the_deadline_day_is_a_setting(settings):
    settings.SUBMISSION_DEADLINE_DAY = 5

    assert overdue_period(dt.date(2026, 11, 6)) == Period(2026, 10)


def test_it_reminds_the_companies_without_a_list_after_the_deadline(companies):
    company_a, company_b, company_c = companies
    submit(company_b, OCTOBER)
    submit(company_c, OCTOBER.previous())  # September does not count for October

    reminders = send_missing_list_reminders(today=AFTER_DEADLINE)

    assert sorted(r.company.name for r in reminders) == [company_a.name, company_c.name]
    assert {r.period for r in reminders} == {"2026-10"}
    assert {r.deadline for r in reminders} == {dt.date(2026, 11, 15)}
    messages = OutboxMessage.objects.filter(template_name="missing_list_reminder")
    assert sorted((m.company.name, m.to) for m in messages) == [
        (company_a.name, "kari@alfa.example"),
        (company_c.name, "kari@alfa.example"),
    ]
    assert AuditEvent.objects.filter(action="mail.reminder_sent").count() == 2


def test_nobody_is_reminded_before_the_deadline_has_passed(companies):
    send_missing_list_reminders(today=dt.date(2026, 11, 15))

    assert not Reminder.objects.filter(period="2026-10").exists()


def test_a_company_is_reminded_once_per_period_however_often_it_runs(companies):
    first = send_missing_list_reminders(today=AFTER_DEADLINE)
    second = send_missing_list_reminders(today=AFTER_DEADLINE + dt.timedelta(days=1))

    assert len(first) == 3
    assert second == []
    assert Reminder.objects.count() == 3
    assert OutboxMessage.objects.count() == 3  # A, B, C each once (kari gets A and C)


def test_a_new_period_brings_a_new_reminder(companies):
    send_missing_list_reminders(today=AFTER_DEADLINE)
    send_missing_list_reminders(today=dt.date(2026, 12, 16))

    assert sorted(set(Reminder.objects.values_list("period", flat=True))) == [
        "2026-10",
        "2026-11",
    ]


def test_inactive_new_and_userless_companies_are_not_reminded(companies):
    from trekkportal.accounts.models import Company

    company_a, company_b, company_c = companies
    company_b.is_active = False
    company_b.save()
    Company.objects.filter(pk=company_c.pk).update(
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    )
    Company.objects.create(name="Delta Uten Brukere AS", orgnr="910000009")

    reminders = send_missing_list_reminders(today=dt.date(2026, 11, 16))

    assert [r.company for r in reminders] == [company_a]


def test_the_scheduled_reminder_runs_once_even_when_the_worker_runs_twice(companies):
    with time_machine.travel(dt.datetime(2026, 11, 16, 7, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(2):  # two workers (or one restarted) looking at the same morning
            enqueue_scheduled()
            run_pending()

    assert Job.objects.filter(name="trekkportal.mail.jobs.send_reminders").count() == 1
    assert Reminder.objects.count() == 3
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 3


def test_staff_see_who_was_reminded_in_the_admin(companies, staff_client):
    send_missing_list_reminders(today=AFTER_DEADLINE)

    response = staff_client.get(reverse("admin:mail_reminder_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    for company in companies:
        assert company.name in content
    assert "2026-10" in content


def test_the_reminder_list_has_a_fixed_number_of_queries(
    companies, staff_client, django_assert_max_num_queries
):
    send_missing_list_reminders(today=AFTER_DEADLINE)
    send_missing_list_reminders(today=dt.date(2026, 12, 16))

    with django_assert_max_num_queries(12):
        staff_client.get(reverse("admin:mail_reminder_changelist"))
