"""An identity number typed or exported into any column or free-text field is never shown
or stored in full: not in a problem message, a file name, a comment, a column header or a
total; not on the receipt, the history, the admin pages or in any database row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin, mask_nins_in_text
from trekkportal.lib.periods import Period
from trekkportal.lib.xlsx import write_xlsx
from trekkportal.submissions.models import Submission, SubmittedFile
from trekkportal.submissions.parsers import parse
from trekkportal.submissions.services import issue_message

from .files import upload
from .test_no_plain_nin_at_rest import every_stored_value

pytestmark = pytest.mark.django_db

# One number per place it could leak from (valid numbers: the worst case).
NINS = {
    place: make_valid_nin(dt.date(1975, 3, 1) + dt.timedelta(days=i))
    for i, place in enumerate(
        (
            "nin",
            "name",
            "birth_date",
            "employee_no",
            "member_no",
            "base",
            "amount",
            "period",
            "header",
            "total",
            "file_name",
            "comment",
            "nin_bad_check",
        )
    )
}
NINS["nin_bad_check"] = NINS["nin_bad_check"][:10] + str((int(NINS["nin_bad_check"][10]) + 1) % 10)


def hostile_list() -> bytes:
    n = NINS
    return write_xlsx(
        [
            (
                "Ark1",
                [
                    ("Fødselsnummer", "Navn", "Fødselsdato", "Ansattnr", "Medlemsnr",
                     "Grunnlag", "Trekk", "Periode", f"Merknad {n['header']}"),
                    (n["nin"], n["name"], n["birth_date"], n["employee_no"], n["member_no"],
                     n["base"], n["amount"], n["period"], ""),
                    (n["nin_bad_check"], "Ola Nordmann", "", "", "", "", "500,00", "", ""),
                    (int(n["amount"]), "Kari Nordmann", "", "", "", "", int(n["amount"]), "",
                     ""),
                    ("Sum", "", "", "", "", "", int(n["total"]), "", ""),
                ],
            )
        ]
    )  # fmt: skip


def everything_shown(client_a, staff_client, submission: Submission) -> str:
    """The employer's receipt and history and the union staff's admin pages."""
    pages = [
        client_a.get(reverse("submissions:receipt", args=[submission.pk])),
        client_a.get(reverse("submissions:innsendte")),
        staff_client.get(reverse("admin:submissions_submission_changelist")),
        staff_client.get(reverse("admin:submissions_submission_change", args=[submission.pk])),
        staff_client.get(reverse("admin:submissions_submittedfile_changelist")),
        staff_client.get(reverse("admin:audit_auditevent_changelist")),
    ]
    for submitted_file in submission.files.all():
        pages += [
            staff_client.get(
                reverse("admin:submissions_submittedfile_change", args=[submitted_file.pk])
            ),
            staff_client.get(
                reverse("admin:submissions_submittedfile_lines", args=[submitted_file.pk])
            ),
        ]
    for response in pages:
        assert response.status_code == 200, response
    return "\n".join(response.content.decode() for response in pages)


def test_no_identity_number_in_any_column_or_field_is_shown_or_stored(
    client_a, staff_client, company_a
):
    response = client_a.post(
        reverse("submissions:innsending"),
        {
            "contact_email": "kari@alfa.example",
            "period": Period.of(dt.date.today()).iso,
            "comment": f"Ny ansatt {NINS['comment']} begynte i oktober",
            "files": [upload(f"Trekk {NINS['file_name']}.xlsx", hostile_list())],
        },
    )
    assert response.status_code == 302, response.content.decode()
    run_pending()
    submission = Submission.objects.get(company=company_a)
    submitted_file = submission.files.get()
    assert submitted_file.state == SubmittedFile.State.DONE

    shown = everything_shown(client_a, staff_client, submission)
    stored = every_stored_value()
    for place, number in NINS.items():
        assert number not in shown, f"the number from {place} is shown in full"
        assert number not in stored, f"the number from {place} is stored in full"
    # What is shown instead: the masked form, so the employer can still find the row.
    assert NINS["file_name"][:6] + "*****" in shown
    assert NINS["comment"][:6] + "*****" in shown


def test_an_identity_number_in_the_amount_column_is_a_row_problem_not_a_line():
    result = parse(hostile_list(), "liste.xlsx", today=dt.date(2026, 11, 27))
    codes = {(error.row, error.code) for error in result.errors}
    assert (2, "amount_too_large") in codes
    assert (4, "amount_too_large") in codes
    assert (2, "base_too_large") in codes
    assert result.totals.valid == 0
    assert result.totals.amount_ore == 0


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("Fødselsdato", "date_invalid"),
        ("Periode", "period_invalid"),
        ("Trekk", "amount_too_large"),
        ("Grunnlag", "base_too_large"),
    ],
)
def test_a_problem_message_never_quotes_an_identity_number(column, cell):
    number = NINS["nin"]
    header = ["Fødselsnummer", "Navn", "Trekk", column]
    values = [NINS["name"], "Ola", "500,00", number]
    if column == "Trekk":
        header, values = header[:3], [NINS["name"], "Ola", number]
    data = write_xlsx([("Ark1", [tuple(header), tuple(values)])])
    result = parse(data, "liste.xlsx", today=dt.date(2026, 11, 27))
    messages = [error.message() for error in result.errors]
    assert cell in {error.code for error in result.errors}
    assert not any(number in message for message in messages)


def test_a_total_that_is_an_identity_number_is_masked_in_its_problem():
    result = parse(hostile_list(), "liste.xlsx", today=dt.date(2026, 11, 27))
    mismatch = [e for e in result.errors if e.code == "total_mismatch"]
    assert mismatch
    message = issue_message(mismatch[0])
    digits = "".join(ch for ch in message if ch.isdigit() or ch == "*")
    assert NINS["total"] not in digits
    assert NINS["total"][:6] + "*****" in message


def test_an_e_mail_address_holding_an_identity_number_is_refused(client_a):
    response = client_a.post(
        reverse("submissions:innsending"),
        {
            "contact_email": f"{NINS['nin']}@alfa.example",
            "period": Period.of(dt.date.today()).iso,
            "files": [upload("liste.csv", b"Navn;Trekk\nOla;500\n")],
        },
    )
    assert response.status_code == 400
    assert "without a national identity number" in response.content.decode() or (
        "uten fødselsnummer" in response.content.decode()
    )
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Datoen 14037523586 er ikke en gyldig dato", "Datoen 140375***** er ikke en gyldig dato"),
        ("140375 23586", "140375*****"),
        ("140375-23586", "140375*****"),
        ("14 037 523 586,00", "140375*****,00"),
        ("14\u00a0037\u00a0523\u00a0586,00", "140375*****,00"),
        ("1403752358", "140375****"),  # Excel dropped the leading zero
        ("Trekk 14037523586.xlsx", "Trekk 140375*****.xlsx"),
        ("rad 12345, tlf 91234567, orgnr 923456789", "rad 12345, tlf 91234567, orgnr 923456789"),
        ("1 234 567,00", "1 234 567,00"),
        ("01.02.2026", "01.02.2026"),
        ("123456789012", "123456789012"),  # twelve digits: something else
    ],
)
def test_what_is_masked_in_free_text(text, masked):
    assert mask_nins_in_text(text) == masked
