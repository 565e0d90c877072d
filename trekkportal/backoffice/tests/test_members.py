"""The back office's member register: search by name, member number or full identity
number (through the keyed hash), masked unless revealed (audited), employment history, and
the import: a preview that changes nothing, then the staff's confirmation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.models import Member
from trekkportal.members.services import register_member, start_employment

pytestmark = pytest.mark.django_db

OLA = make_valid_nin(dt.date(1980, 1, 1))
KARI = make_valid_nin(dt.date(1985, 2, 7))


@pytest.fixture
def ola(company_a):
    member = register_member(nin=OLA, name="Nordmann, Ola", member_no="12345")
    start_employment(member=member, company=company_a, from_period=Period(2025, 1))
    return member


def search(client, q):
    return client.get(reverse("backoffice:members"), {"q": q})


def test_staff_find_a_member_by_name_in_any_order(staff_client, ola):
    assert list(search(staff_client, "ola nordmann").context["page"].object_list) == [ola]


def test_staff_find_a_member_by_member_number(staff_client, ola):
    assert list(search(staff_client, "12345").context["page"].object_list) == [ola]


def test_staff_find_a_member_by_full_identity_number_through_the_keyed_hash(staff_client, ola):
    response = search(staff_client, f"{OLA[:6]} {OLA[6:]}")
    assert list(response.context["page"].object_list) == [ola]
    page = response.content.decode()
    assert ola.nin_masked in page
    assert OLA not in page.replace(f'value="{OLA[:6]} {OLA[6:]}"', "")


def test_the_member_page_shows_the_number_masked_and_the_employment_history(
    staff_client, ola, company_a
):
    response = staff_client.get(reverse("backoffice:member", args=[ola.pk]))
    page = response.content.decode()
    assert ola.nin_masked in page and OLA not in page
    assert company_a.name in page
    assert response["Cache-Control"] == "no-store"
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_NIN_REVEALED.value).exists()


def test_revealing_the_full_number_is_audited(staff_client, staff, ola):
    response = staff_client.post(reverse("backoffice:member", args=[ola.pk]))
    assert OLA in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_NIN_REVEALED.value)
    assert event.actor == staff and event.object_id == str(ola.pk)
    assert OLA not in str(event.data)


def test_employers_get_404_on_the_member_pages(client_a, ola):
    assert client_a.get(reverse("backoffice:members"), {"q": "ola"}).status_code == 404
    assert client_a.post(reverse("backoffice:member", args=[ola.pk])).status_code == 404
    assert client_a.get(reverse("backoffice:member_import")).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_NIN_REVEALED.value).exists()


def test_the_member_pages_have_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, ola, company_a, company_b
):
    staff_client.get(reverse("backoffice:members"), {"q": "nordmann"})
    with django_assert_num_queries(6):
        staff_client.get(reverse("backoffice:members"), {"q": "nordmann"})
    for i in range(30):
        register_member(
            nin=make_valid_nin(dt.date(1970, 1, 1) + dt.timedelta(days=i)), name=f"Nordmann {i}"
        )
    with django_assert_num_queries(6):
        staff_client.get(reverse("backoffice:members"), {"q": "nordmann"})

    url = reverse("backoffice:member", args=[ola.pk])
    with django_assert_num_queries(10):
        staff_client.get(url)
    start_employment(member=ola, company=company_b, from_period=Period(2026, 1))
    utrukket(ola, company_a, Period(2025, 11), status="employed")
    utrukket(ola, company_b, Period(2026, 2))
    with django_assert_num_queries(10):
        staff_client.get(url)


def utrukket(member, company, period, *, status=""):
    from trekkportal.reconciliation.models import MissingDeduction, Reconciliation

    run = Reconciliation.objects.create(
        company=company, period=period.first_day, state="reconciled"
    )
    return MissingDeduction.objects.create(
        reconciliation=run,
        company=company,
        period=period.first_day,
        member=member,
        state="answered" if status else "open",
        status=status,
        comment="Ansatt, glemt i lønnskjøringen" if status else "",
    )


def test_the_member_page_shows_the_utrukne_and_the_answers(staff_client, ola, company_a):
    utrukket(ola, company_a, Period(2025, 11), status="employed")
    page = staff_client.get(reverse("backoffice:member", args=[ola.pk])).content.decode()
    assert "Ikke trukket (utrukne) og svarene" in page
    assert "Ansatt, glemt i lønnskjøringen" in page
    assert "1125" in page


def register_file(*rows) -> SimpleUploadedFile:
    lines = ["fødselsnummer;navn;orgnr", *(";".join(row) for row in rows)]
    return SimpleUploadedFile("register.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def test_the_import_previews_then_applies_only_when_staff_confirm(
    staff_client, staff, company_a, settings
):
    url = reverse("backoffice:member_import")
    preview = staff_client.post(
        url, {"file": register_file((KARI, "Hansen, Kari", company_a.orgnr))}
    )
    assert preview.status_code == 200
    assert preview.context["summary"].new == 1
    assert not Member.objects.exists()  # nothing changed yet

    # The staged file is sealed: no plain identity number at rest.
    staged = Path(settings.MEDIA_ROOT) / staff_client.session["backoffice_member_import"]["name"]
    assert KARI.encode() not in staged.read_bytes()

    done = staff_client.post(reverse("backoffice:member_import_confirm"))
    assert done.context["summary"].applied
    assert Member.objects.get().name == "Hansen, Kari"
    assert not staged.exists()
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_IMPORTED.value, actor=staff).exists()


def test_a_file_with_errors_changes_nothing_unless_staff_apply_the_valid_rows(
    staff_client, company_a
):
    url = reverse("backoffice:member_import")
    rows = [
        (KARI, "Hansen, Kari", company_a.orgnr),
        ("12345678901", "Feil, Nummer", company_a.orgnr),
    ]
    preview = staff_client.post(url, {"file": register_file(*rows)})
    assert preview.context["summary"].errors == 1
    assert "12345678901" not in preview.content.decode()
    done = staff_client.post(reverse("backoffice:member_import_confirm"))
    assert not done.context["summary"].applied
    assert not Member.objects.exists()

    staff_client.post(url, {"file": register_file(*rows)})
    staff_client.post(reverse("backoffice:member_import_confirm"), {"apply_valid": "on"})
    assert Member.objects.count() == 1


def test_confirming_without_a_checked_file_applies_nothing(staff_client):
    response = staff_client.post(reverse("backoffice:member_import_confirm"))
    assert response.status_code == 302
    assert response.url == reverse("backoffice:member_import")
