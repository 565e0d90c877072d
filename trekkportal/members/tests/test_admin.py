"""The member register in the admin: every change through the services, masked numbers,
search by full number through the keyed hash, revealing audited, nothing deleted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.models import Employment, Layoff, Member, MemberChange
from trekkportal.members.services import register_member, start_employment

pytestmark = pytest.mark.django_db

OLA = make_valid_nin(dt.date(1980, 1, 1))
KARI = make_valid_nin(dt.date(1985, 2, 7))


def url(name, *args):
    return reverse(f"admin:members_{name}", args=args)


def inline_management(**extra):
    data = {}
    for prefix in ("employments", "layoffs", "changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **extra}


def reasons(member):
    return [(c.kind, c.reason) for c in MemberChange.objects.filter(member=member).order_by("pk")]


@pytest.fixture
def ola(company_a):
    member = register_member(nin=OLA, name="Nordmann, Ola")
    start_employment(member=member, company=company_a, from_period=Period(2025, 1))
    return member


def test_adding_a_member_registers_and_employs_through_the_services(staff_client, company_a):
    response = staff_client.post(
        url("member_add"),
        {
            "nin": OLA,
            "name": "Nordmann, Ola",
            "member_no": "1001",
            "payment": "deduction",
            "company": company_a.pk,
            "from_month": "2026-03",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member = Member.objects.get()
    assert member.nin_masked == "010180*****" and member.name_key == "nordmann ola"
    assert reasons(member) == [("start", "joined")]
    assert AuditEvent.objects.filter(action="member.registered", actor__isnull=False).exists()


def test_an_invalid_or_known_number_is_refused(staff_client, ola):
    for nin in ("01018012345", OLA):
        response = staff_client.post(
            url("member_add"), {"nin": nin, "name": "X", "payment": "deduction"}
        )
        assert response.status_code == 200 and Member.objects.count() == 1


def test_editing_a_member_goes_through_update_member_and_ignores_raw_fields(staff_client, ola):
    response = staff_client.post(
        url("member_change", ola.pk),
        inline_management(
            name="Ola Nordmann-Berg",
            payment="deduction",
            resigned="2026-02-15",
            nin_hash="0" * 64,
            nin_encrypted="plain",
            nin_masked="12345678901",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    before_hash = ola.nin_hash
    ola.refresh_from_db()
    assert ola.name_key == "berg nordmann ola" and ola.resigned == dt.date(2026, 2, 15)
    assert (ola.nin_hash, ola.nin_masked) == (before_hash, "010180*****")
    assert reasons(ola)[-1] == ("stop", "resigned")
    assert AuditEvent.objects.filter(action="member.changed").exists()


def test_a_new_employment_in_the_admin_is_a_move(staff_client, ola, company_b):
    response = staff_client.post(
        url("employment_add"), {"member": ola.pk, "company": company_b.pk, "from_month": "0326"}
    )
    assert response.status_code == 302
    assert reasons(ola)[1:] == [("stop", "moved_out"), ("start", "moved_in")]


def test_ending_an_employment_in_the_admin_stops_deduction(staff_client, ola):
    employment = Employment.objects.get(member=ola)
    response = staff_client.post(url("employment_change", employment.pk), {"last_month": "2026-02"})
    assert response.status_code == 302
    employment.refresh_from_db()
    assert Period.of(employment.to_period) == Period(2026, 2)
    assert reasons(ola)[-1] == ("stop", "left_company")
    # An ended employment is read-only.
    page = staff_client.get(url("employment_change", employment.pk)).content.decode()
    assert 'name="last_month"' not in page


def test_a_lay_off_in_the_admin_opens_and_ends_through_the_services(staff_client, ola, company_a):
    response = staff_client.post(
        url("layoff_add"), {"member": ola.pk, "company": company_a.pk, "from_month": "2026-03"}
    )
    assert response.status_code == 302
    layoff = Layoff.objects.get()
    staff_client.post(url("layoff_change", layoff.pk), {"last_month": "2026-05"})
    assert reasons(ola)[1:] == [("stop", "laid_off"), ("start", "returned")]


def test_nothing_is_deleted_and_member_changes_are_read_only(staff_client, ola):
    change = MemberChange.objects.get()
    assert (
        staff_client.post(url("memberchange_delete", change.pk), {"post": "yes"}).status_code == 403
    )
    assert staff_client.post(url("member_delete", ola.pk), {"post": "yes"}).status_code == 403
    assert staff_client.get(url("memberchange_add")).status_code == 403
    employment = Employment.objects.get()
    assert (
        staff_client.post(url("employment_delete", employment.pk), {"post": "yes"}).status_code
        == 403
    )
    response = staff_client.post(url("memberchange_change", change.pk), {"kind": "stop"})
    assert response.status_code == 403
    assert MemberChange.objects.get().kind == "start" and Member.objects.count() == 1


def test_the_list_shows_masked_numbers_with_a_fixed_number_of_queries(
    staff_client, ola, django_assert_max_num_queries
):
    register_member(nin=KARI, name="Kari")
    with django_assert_max_num_queries(12):
        html = staff_client.get(url("member_changelist")).content.decode()
    assert "010180*****" in html and OLA not in html and KARI not in html
    for i in range(20):
        register_member(nin=make_valid_nin(dt.date(1960, 1, 1) + dt.timedelta(days=i)), name="P")
    with django_assert_max_num_queries(12):
        staff_client.get(url("member_changelist"))


def test_a_full_number_is_found_through_the_keyed_hash(staff_client, ola):
    register_member(nin=KARI, name="Kari")
    html = staff_client.get(url("member_changelist"), {"q": OLA}).content.decode()
    assert "Nordmann, Ola" in html and "Kari" not in html
    html = staff_client.get(url("member_changelist"), {"q": "Nordmann"}).content.decode()
    assert "Nordmann, Ola" in html


def test_revealing_the_number_is_a_logged_post(staff_client, staff, ola):
    assert staff_client.get(url("member_reveal", ola.pk)).status_code == 405
    html = staff_client.get(url("member_change", ola.pk)).content.decode()
    assert url("member_reveal", ola.pk) in html and OLA not in html
    response = staff_client.post(url("member_reveal", ola.pk))
    assert OLA in response.content.decode() and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="member.nin_revealed", actor=staff).count() == 1


def test_employers_never_reach_the_register(client_a, ola):
    response = client_a.get(url("member_changelist"))
    assert response.status_code in (302, 403)
    assert client_a.post(url("member_reveal", ola.pk)).status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="member.nin_revealed").exists()


@pytest.mark.parametrize("name", ["member", "employment", "layoff"])
def test_the_add_pages_render_with_labelled_fields(staff_client, name):
    html = staff_client.get(url(f"{name}_add")).content.decode()
    assert re.search(r'<label[^>]* for="id_', html)
    assert "nin_hash" not in html and "nin_encrypted" not in html
