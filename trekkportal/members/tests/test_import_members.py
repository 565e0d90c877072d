"""import_members: idempotent upserts, moves, resignations, errors, dry run, apply-valid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.imports import import_members
from trekkportal.members.models import Employment, Member, MemberChange
from trekkportal.members.services import find_member_by_nin

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
OLA = make_valid_nin(dt.date(1980, 1, 1))
KARI = make_valid_nin(dt.date(1985, 2, 7))
PER = make_valid_nin(dt.date(1990, 3, 15))
MARCH = Period(2026, 3)
HEADER = ["fødselsnummer", "navn", "orgnr", "innmeldt", "utmeldt", "trekk", "ansatt_fra"]


def run(rows, **kwargs):
    kwargs.setdefault("period", MARCH)
    kwargs.setdefault("today", dt.date(2026, 3, 10))
    return import_members(rows=[HEADER, *rows], **kwargs)


def changes(member):
    return [
        (c.company.name, c.kind, c.reason, Period.of(c.period).iso)
        for c in MemberChange.objects.filter(member=member).order_by("pk")
    ]


def employments(member):
    return [
        (e.company.name, Period.of(e.from_period).iso, e.to_period and Period.of(e.to_period).iso)
        for e in Employment.objects.filter(member=member).order_by("from_period", "pk")
    ]


def test_new_members_are_registered_encrypted_employed_and_started(company_a, company_b, staff):
    summary = run(
        [
            [OLA, "Nordmann, Ola", company_a.orgnr, "01.01.2020", "", "ja", "2026-01"],
            [KARI, "Kari Øvrebø", company_b.orgnr, "", "", "1,40 %", ""],
            [PER, "Per Hansen", company_a.orgnr, "", "", "faktura", ""],
        ],
        acting_user=staff,
    )
    assert (summary.new, summary.changed, summary.unchanged, summary.errors) == (3, 0, 0, 0)
    assert summary.applied
    ola = find_member_by_nin(OLA)
    assert ola.nin_masked == "010180*****" and OLA not in ola.nin_encrypted
    assert ola.birth_date == dt.date(1980, 1, 1) and ola.joined == dt.date(2020, 1, 1)
    assert employments(ola) == [("Alfa Offshore AS", "2026-01", None)]
    assert changes(ola) == [("Alfa Offshore AS", "start", "joined", "2026-01")]
    kari = find_member_by_nin(KARI)
    assert kari.dues_percent == Decimal("1.40") and kari.name_key == "kari ovrebo"
    assert employments(kari)[0][1] == "2026-03"  # no ansatt_fra: the import's period
    per = find_member_by_nin(PER)
    assert per.payment == Member.Payment.INVOICE and changes(per) == []  # invoice: no letter
    event = AuditEvent.objects.get(action="member.imported")
    assert event.actor == staff and event.data["new"] == 3 and event.data["errors"] == 0


def test_the_same_file_twice_changes_nothing_and_says_so(company_a, company_b):
    rows = [
        [OLA, "Nordmann, Ola", company_a.orgnr, "01.01.2020", "", "612,50", "2026-01"],
        [KARI, "Kari Øvrebø", company_b.orgnr, "", "2026-02-28", "ja", ""],
    ]
    run(rows)
    before = (Member.objects.count(), Employment.objects.count(), MemberChange.objects.count())
    again = run(rows)
    assert (again.new, again.changed, again.ended, again.unchanged) == (0, 0, 0, 2)
    assert again.nothing_to_change and not again.applied
    assert (Member.objects.count(), Employment.objects.count(), MemberChange.objects.count()) == (
        before
    )


def test_the_fixture_files_load_the_same_register(company_a, company_b):
    first = import_members(file=FIXTURES / "register-cp1252.csv", period=MARCH)
    assert first.new == 3 and first.errors == 0
    second = import_members(file=FIXTURES / "register.xlsx", period=MARCH)
    # Same people, same companies; the xlsx has no ansatt_fra and gives Per an amount.
    assert (second.new, second.changed, second.unchanged) == (0, 1, 2)
    per = find_member_by_nin(PER)
    assert per.payment == Member.Payment.DEDUCTION and per.dues_amount == Decimal("612.50")
    assert changes(per) == [("Alfa Offshore AS", "start", "deduction", "2026-03")]


def test_a_change_of_company_between_imports_is_a_move(company_a, company_b):
    run([[OLA, "Ola", company_a.orgnr, "", "", "", "2025-06"]])
    summary = run([[OLA, "Ola", company_b.orgnr, "", "", "", ""]])
    assert summary.changed == 1
    ola = find_member_by_nin(OLA)
    assert employments(ola) == [
        ("Alfa Offshore AS", "2025-06", "2026-02"),
        ("Beta Raffineri AS", "2026-03", None),
    ]
    assert changes(ola)[1:] == [
        ("Alfa Offshore AS", "stop", "moved_out", "2026-02"),
        ("Beta Raffineri AS", "start", "moved_in", "2026-03"),
    ]
    assert run([[OLA, "Ola", company_b.orgnr, "", "", "", ""]]).unchanged == 1


def test_a_move_starts_at_ansatt_fra_when_the_file_says(company_a, company_b):
    run([[OLA, "Ola", company_a.orgnr, "", "", "", "2025-06"]])
    run([[OLA, "Ola", company_b.orgnr, "", "", "", "2026-01"]])
    assert employments(find_member_by_nin(OLA)) == [
        ("Alfa Offshore AS", "2025-06", "2025-12"),
        ("Beta Raffineri AS", "2026-01", None),
    ]


def test_utmeldt_resigns_the_member_and_stops_deduction(company_a):
    run([[OLA, "Ola", company_a.orgnr, "01.01.2020", "", "", "2025-01"]])
    summary = run([[OLA, "Ola", company_a.orgnr, "01.01.2020", "15.02.2026", "", ""]])
    assert summary.ended == 1
    ola = find_member_by_nin(OLA)
    assert ola.resigned == dt.date(2026, 2, 15)
    assert changes(ola)[-1] == ("Alfa Offshore AS", "stop", "resigned", "2026-02")
    assert run([[OLA, "Ola", company_a.orgnr, "01.01.2020", "15.02.2026", "", ""]]).unchanged == 1


def test_ansatt_til_ends_the_employment(company_a):
    run([[OLA, "Ola", company_a.orgnr, "", "", "", "2025-01"]])
    summary = import_members(
        rows=[
            ["fnr", "navn", "orgnr", "ansatt_til"],
            [OLA, "Ola", company_a.orgnr, "2026-01"],
        ],
        period=MARCH,
    )
    assert summary.ended == 1
    ola = find_member_by_nin(OLA)
    assert employments(ola) == [("Alfa Offshore AS", "2025-01", "2026-01")]
    assert changes(ola)[-1] == ("Alfa Offshore AS", "stop", "left_company", "2026-01")


def test_invoice_payers_stop_being_deducted(company_a):
    run([[OLA, "Ola", company_a.orgnr, "", "", "ja", "2025-01"]])
    run([[OLA, "Ola", company_a.orgnr, "", "", "faktura", ""]])
    assert changes(find_member_by_nin(OLA))[-1] == (
        "Alfa Offshore AS",
        "stop",
        "invoice",
        "2026-02",
    )


def test_a_file_with_errors_changes_nothing_and_names_the_rows(company_a):
    summary = run(
        [
            [OLA, "Ola", company_a.orgnr, "", "", "", ""],
            ["01018012345", "Feil", company_a.orgnr, "", "", "", ""],
            [KARI, "Kari", "974760673", "", "", "", ""],
            [PER, "Per", company_a.orgnr, "32.01.2020", "", "", ""],
        ]
    )
    assert not summary.applied and Member.objects.count() == 0
    assert [(p.row, p.code) for p in summary.problems] == [
        (3, "nin_invalid"),
        (4, "orgnr_unknown"),
        (5, "date_invalid"),
    ]
    assert summary.new == 1 and summary.errors == 3  # what would happen, and what is wrong
    assert [p.masked for p in summary.problems] == ["010180*****", "070285*****", "150390*****"]
    messages = " ".join(p.message() for p in summary.problems)
    assert "01018012345" not in messages and "The innmeldt 32.01.2020" in messages
    assert AuditEvent.objects.filter(action="member.import_checked").count() == 1


def test_apply_valid_applies_the_valid_rows_only(company_a):
    summary = run(
        [
            [OLA, "Ola", company_a.orgnr, "", "", "", ""],
            [KARI, "Kari", "974760673", "", "", "", ""],
        ],
        apply_valid=True,
    )
    assert summary.applied and summary.errors == 1
    assert find_member_by_nin(OLA) is not None and find_member_by_nin(KARI) is None


def test_a_dry_run_changes_nothing_but_counts(company_a):
    summary = run([[OLA, "Ola", company_a.orgnr, "", "", "", ""]], dry_run=True)
    assert summary.new == 1 and not summary.applied
    assert Member.objects.count() == 0 and MemberChange.objects.count() == 0


def test_a_known_member_with_a_new_name_is_changed_not_duplicated(company_a):
    run([[OLA, "Ola Nordmann", company_a.orgnr, "", "", "", ""]])
    summary = run([[OLA, "Ola Nordmann-Berg", company_a.orgnr, "", "", "", ""]])
    assert (summary.changed, Member.objects.count()) == (1, 1)
    assert find_member_by_nin(OLA).name_key == "berg nordmann ola"


def test_an_initial_load_writes_no_member_changes(company_a):
    run([[OLA, "Ola", company_a.orgnr, "", "", "", ""]], initial=True)
    assert Member.objects.count() == 1 and MemberChange.objects.count() == 0


def test_the_import_uses_a_fixed_number_of_queries(company_a, django_assert_max_num_queries):
    rows = [
        [make_valid_nin(dt.date(1970, 1, 1) + dt.timedelta(days=i)), f"P {i}", company_a.orgnr]
        + [""] * 4
        for i in range(300)
    ]
    with django_assert_max_num_queries(15):
        run(rows)
    with django_assert_max_num_queries(15):
        assert run(rows).unchanged == 300


def test_the_command_prints_the_summary(company_a, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(f"fnr;navn;orgnr\n{OLA};Ola;{company_a.orgnr}\n", encoding="utf-8")
    out = StringIO()
    call_command("import_members", str(path), "--dry-run", stdout=out)
    assert "New:       1" in out.getvalue() and "Dry run" in out.getvalue()
    call_command("import_members", str(path), stdout=out)
    out = StringIO()
    call_command("import_members", str(path), stdout=out)
    assert "Unchanged: 1" in out.getvalue() and "Nothing to change" in out.getvalue()


def test_the_command_refuses_a_file_with_errors(company_a, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(f"fnr;navn;orgnr\n{OLA[:-1]}0;Ola;{company_a.orgnr}\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_members", str(path), stdout=out)
    assert "row 2 (010180*****):" in out.getvalue() and OLA[:-1] not in out.getvalue()
