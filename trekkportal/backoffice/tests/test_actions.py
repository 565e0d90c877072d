"""Each back-office action goes through its app's service, is audited, checks that the
caller is staff (404 otherwise) and refuses objects outside the company it names; the
exports are formula-safe and hold no identity numbers."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.fixtures import NOW, submit_one_csv
from trekkportal.accounts.models import CompanyAccess, NdaVersion, User
from trekkportal.accounts.services import add_company
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import make_valid_orgnr
from trekkportal.lib.periods import Period
from trekkportal.mail.models import OutboxMessage, Reminder
from trekkportal.submissions.tests.files import CSV

pytestmark = pytest.mark.usefixtures("frozen_now")

LAST_MONTH = Period(2026, 10)


def events(action: AuditAction, **filters):
    return AuditEvent.objects.filter(action=action.value, **filters)


def backdate():
    from trekkportal.accounts.models import Company

    Company.objects.update(created_at=NOW - dt.timedelta(days=400))


# Access ------------------------------------------------------------------------------------


def test_staff_grant_an_existing_user_access_to_a_company(
    staff_client, staff, company_b, employer_a
):
    url = reverse("backoffice:company_grant", args=[company_b.pk])
    response = staff_client.post(url, {"email": employer_a.email.upper()})
    assert response.status_code == 302
    assert CompanyAccess.objects.filter(user=employer_a, company=company_b).exists()
    assert events(AuditAction.ACCESS_GRANTED, actor=staff, company=company_b).exists()


def test_granting_an_unknown_address_changes_nothing(staff_client, company_b):
    url = reverse("backoffice:company_grant", args=[company_b.pk])
    response = staff_client.post(url, {"email": "ukjent@example.no"}, follow=True)
    assert "ukjent@example.no" in response.content.decode()
    assert (
        not CompanyAccess.objects.filter(company=company_b)
        .exclude(user__email="per@beta.example")
        .exists()
    )


def test_staff_revoke_access(staff_client, staff, company_a, employer_a):
    url = reverse("backoffice:company_revoke", args=[company_a.pk, employer_a.pk])
    assert staff_client.post(url).status_code == 302
    assert not CompanyAccess.objects.filter(user=employer_a, company=company_a).exists()
    assert events(AuditAction.ACCESS_REVOKED, actor=staff, company=company_a).exists()


def test_revoking_names_a_user_of_that_company_only(staff_client, company_a, employer_b):
    url = reverse("backoffice:company_revoke", args=[company_a.pk, employer_b.pk])
    assert staff_client.post(url).status_code == 404
    assert CompanyAccess.objects.filter(user=employer_b).exists()


def test_revoking_by_get_is_refused(staff_client, company_a, employer_a):
    url = reverse("backoffice:company_revoke", args=[company_a.pk, employer_a.pk])
    assert staff_client.get(url).status_code == 405
    assert CompanyAccess.objects.filter(user=employer_a, company=company_a).exists()


def test_staff_register_a_new_user_who_is_told_how_to_activate(staff_client, staff, company_a):
    url = reverse("backoffice:company_new_user", args=[company_a.pk])
    response = staff_client.post(url, {"email": "Ny@Alfa.example", "name": "Nora Ny"})
    assert response.status_code == 302
    user = User.objects.get(email="ny@alfa.example")
    assert not user.has_usable_password()  # activates by one-time code
    assert CompanyAccess.objects.filter(user=user, company=company_a).exists()
    message = OutboxMessage.objects.get(to="ny@alfa.example", template_name="account_invitation")
    assert "/aktiver/" in message.body_text
    assert events(AuditAction.USER_ADDED, actor=staff).exists()
    assert events(AuditAction.USER_INVITED, actor=staff, company=company_a).exists()


def test_registering_an_address_that_exists_changes_nothing(staff_client, company_b, employer_a):
    url = reverse("backoffice:company_new_user", args=[company_b.pk])
    staff_client.post(url, {"email": employer_a.email})
    assert not CompanyAccess.objects.filter(user=employer_a, company=company_b).exists()
    assert not OutboxMessage.objects.filter(template_name="account_invitation").exists()


def test_staff_send_the_activation_again_to_a_user_who_has_not_activated(staff_client, company_a):
    from trekkportal.accounts.services import add_user

    user = add_user(email="venter@alfa.example", companies=[company_a])
    url = reverse("backoffice:company_invite", args=[company_a.pk, user.pk])
    staff_client.post(url)
    assert (
        OutboxMessage.objects.filter(to=user.email, template_name="account_invitation").count() == 1
    )


def test_no_activation_is_sent_to_a_user_who_has_activated(staff_client, company_a, employer_a):
    url = reverse("backoffice:company_invite", args=[company_a.pk, employer_a.pk])
    staff_client.post(url)
    assert not OutboxMessage.objects.filter(template_name="account_invitation").exists()
    assert not events(AuditAction.USER_INVITED).exists()


def test_an_employer_cannot_use_any_action(client_a, company_a, employer_a, employer_b):
    posts = [
        reverse("backoffice:company_grant", args=[company_a.pk]),
        reverse("backoffice:company_revoke", args=[company_a.pk, employer_a.pk]),
        reverse("backoffice:company_new_user", args=[company_a.pk]),
        reverse("backoffice:company_invite", args=[company_a.pk, employer_a.pk]),
        reverse("backoffice:missing_remind", args=[company_a.pk]),
        reverse("backoffice:nda"),
    ]
    for url in posts:
        assert client_a.post(url, {"email": employer_b.email, "text": "x"}).status_code == 404
    assert not CompanyAccess.objects.filter(user=employer_b, company=company_a).exists()
    assert NdaVersion.objects.count() == 1


# Files -------------------------------------------------------------------------------------


def test_staff_download_a_submitted_file_byte_for_byte_and_it_is_logged(
    staff_client, staff, company_a, employer_a
):
    submitted_file = submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    response = staff_client.get(reverse("backoffice:file_download", args=[submitted_file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert events(AuditAction.SUBMISSION_FILE_DOWNLOADED, actor=staff, company=company_a).exists()


def test_employers_cannot_download_a_submitted_file(client_a, company_a, employer_a):
    submitted_file = submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    url = reverse("backoffice:file_download", args=[submitted_file.pk])
    assert client_a.get(url).status_code == 404
    assert not events(AuditAction.SUBMISSION_FILE_DOWNLOADED).exists()
    assert default_storage.exists(submitted_file.storage_name)


def test_the_company_page_shows_the_files_and_what_they_said(staff_client, company_a, employer_a):
    submitted_file = submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    page = staff_client.get(reverse("backoffice:company", args=[company_a.pk])).content.decode()
    assert submitted_file.original_name in page
    assert reverse("backoffice:file_download", args=[submitted_file.pk]) in page
    assert employer_a.email in page


# Reminders ---------------------------------------------------------------------------------


def test_staff_send_a_reminder_now_once_per_company_and_period(
    staff_client, staff, company_b, employer_b
):
    backdate()
    url = reverse("backoffice:missing_remind", args=[company_b.pk])
    staff_client.post(url, {"periode": LAST_MONTH.iso})
    staff_client.post(url, {"periode": LAST_MONTH.iso})

    reminder = Reminder.objects.get(company=company_b, period=LAST_MONTH.iso)
    assert reminder.recipients == 1
    assert OutboxMessage.objects.filter(template_name="missing_list_reminder").count() == 1
    assert events(AuditAction.MAIL_REMINDER_SENT, actor=staff, company=company_b).count() == 1


def test_the_scheduled_reminder_skips_a_company_reminded_by_hand(
    staff_client, company_b, employer_b
):
    from trekkportal.mail.reminders import send_missing_list_reminders

    backdate()
    staff_client.post(
        reverse("backoffice:missing_remind", args=[company_b.pk]), {"periode": LAST_MONTH.iso}
    )
    sent = send_missing_list_reminders(today=NOW.date())
    assert company_b.pk not in [r.company_id for r in sent]
    assert Reminder.objects.filter(company=company_b).count() == 1


def test_no_reminder_for_a_company_that_has_submitted(staff_client, company_a, employer_a):
    backdate()
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    staff_client.post(
        reverse("backoffice:missing_remind", args=[company_a.pk]), {"periode": LAST_MONTH.iso}
    )
    assert not Reminder.objects.exists()


def test_no_reminder_before_the_deadline(staff_client, company_b, employer_b):
    backdate()
    this_month = Period(2026, 11)
    staff_client.post(
        reverse("backoffice:missing_remind", args=[company_b.pk]), {"periode": this_month.iso}
    )
    assert not Reminder.objects.exists()


# Exports -----------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","x")'


def formula_company():
    return add_company(orgnr=make_valid_orgnr(94000010), name=FORMULA)


def test_the_overview_csv_is_formula_safe(staff_client, staff, db):
    formula_company()
    response = staff_client.get(reverse("backoffice:overview_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment")
    assert "'" + FORMULA.replace('"', '""') in text
    assert "\n=" not in text and ";=" not in text
    assert events(AuditAction.BACKOFFICE_EXPORTED, actor=staff).exists()


def test_the_overview_xlsx_is_formula_safe(staff_client, db):
    formula_company()
    response = staff_client.get(reverse("backoffice:overview_xlsx"))
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "&apos;=HYPERLINK" in sheet or "'=HYPERLINK" in sheet


def test_the_overview_exports_follow_the_filters(staff_client, company_a, company_b, employer_a):
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    response = staff_client.get(reverse("backoffice:overview_csv"), {"tilstand": "submitted"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Alfa Offshore AS" in text
    assert "Beta Raffineri AS" not in text


def test_the_audit_log_filters_by_user_company_action_and_date(
    staff_client, staff, company_a, company_b, employer_a
):
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    url = reverse("backoffice:audit")

    def shown(**query):
        return {e.action for e in staff_client.get(url, query).context["page"].object_list}

    assert shown(bruker=employer_a.email) == {"submission.created"}
    assert shown(handling="company.added", bedrift=company_b.orgnr) == {"company.added"}
    assert shown(fra="2026-11-21") == set()
    assert "submission.created" in shown(fra="2026-11-20", til="2026-11-20")


def test_the_audit_csv_is_formula_safe(staff_client, db):
    company = formula_company()  # its "company added" event names it
    response = staff_client.get(reverse("backoffice:audit_export"), {"bedrift": company.orgnr})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text
    for line in text.splitlines()[1:]:
        for cell in line.split(";"):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), line


# NDA ---------------------------------------------------------------------------------------


def test_staff_publish_a_new_nda_version_and_everyone_must_accept_it_again(
    staff_client, staff, client_a
):
    response = staff_client.post(reverse("backoffice:nda"), {"text": "Ny tekst.\n\nAvsnitt to."})
    assert response.status_code == 302
    latest = NdaVersion.objects.order_by("-version").first()
    assert latest.text == "Ny tekst.\n\nAvsnitt to."
    assert events(AuditAction.NDA_PUBLISHED, actor=staff).exists()
    response = client_a.get(reverse("submissions:innsendte"))
    assert response.status_code == 302 and response.url.startswith(reverse("nda"))


def test_an_empty_nda_is_refused(staff_client):
    before = NdaVersion.objects.count()
    response = staff_client.post(reverse("backoffice:nda"), {"text": "  "})
    assert response.status_code == 200
    assert NdaVersion.objects.count() == before
