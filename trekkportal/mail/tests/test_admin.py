import pytest
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.mail import emails
from trekkportal.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_staff_see_every_message_queued_and_sent(staff_client, company_a, employer_a):
    emails.new_letter(company=company_a)
    run_pending()

    response = staff_client.get(reverse("admin:mail_outboxmessage_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    assert employer_a.email in content
    assert "new_letter" in content


def test_staff_can_send_a_failed_message_again(staff_client, company_a, mailoutbox):
    [message] = emails.new_letter(company=company_a, to=["lonn@alfa.example"])
    Job.objects.all().delete()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED)

    staff_client.post(
        reverse("admin:mail_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
    )
    run_pending()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert [m.to for m in mailoutbox] == [["lonn@alfa.example"]]
    event = AuditEvent.objects.get(action="mail.sent_again")
    assert event.actor_label == "siri@forbundet.example" and event.data == {"count": 1}
