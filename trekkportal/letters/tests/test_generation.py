"""Generated letters ("trekkmeldinger") from the member register's changes: what they say,
batches (run, preview, publish, discard), no change twice, and the PDF itself (tagged
PDF/UA-1 + PDF/A-2a, fonts embedded, member data printed as written)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.worker import run_pending
from trekkportal.letters.models import Letter, LetterBatch, LetterChange
from trekkportal.letters.services import discard_batch, publish_batch, run_letter_batch
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.mail.models import OutboxMessage
from trekkportal.members import services as members

JAN, FEB, MAR = Period(2027, 1), Period(2027, 2), Period(2027, 3)
_serial = iter(range(1, 100_000))


def member(name, *, born=None, member_no="", **fields):
    """A registered member; each gets a birth date (and so identity number) of its own."""
    serial = next(_serial)
    born = born or dt.date(1960, 1, 1) + dt.timedelta(days=serial)
    return members.register_member(
        nin=make_valid_nin(born, 100 + serial % 400),
        name=name,
        member_no=member_no,
        **fields,
    )


def text_of(letter: Letter) -> str:
    with default_storage.open(letter.storage_name, "rb") as handle:
        document = pypdfium2.PdfDocument(handle.read())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def letter_for(batch, company) -> Letter:
    return batch.letters.get(company=company)


def test_a_new_member_at_a_company_gets_a_start_letter_with_name_birth_date_number_period_and_rate(
    company_a, staff
):
    kari = member(
        "Nordmann, Kari Ærlig",
        born=dt.date(1990, 1, 1),
        member_no="104233",
        dues_percent=Decimal("1.40"),
    )
    members.start_employment(member=kari, company=company_a, from_period=FEB)

    batch = run_letter_batch(acting_user=staff)

    letter = letter_for(batch, company_a)
    assert letter.subject == "Vedrørende kontingenttrekk for våre medlemmer"
    assert (letter.starts, letter.stops) == (1, 0)
    text = text_of(letter)
    assert "Vedrørende kontingenttrekk for våre medlemmer" in text
    assert "Start trekk" in text and "Stopp trekk" not in text
    row = next(line for line in text.splitlines() if "Nordmann, Kari Ærlig" in line)
    assert "01.01.1990" in row and "104233" in row and "februar 2027" in row and "1,40 %" in row
    assert company_a.name in text and company_a.orgnr in text


def test_a_letter_with_only_stops_is_about_resigned_and_transferred_members(company_a):
    ola, per, siri = member("Normann, Ola"), member("Hansen, Per"), member("Berg, Siri")
    for person in (ola, per, siri):
        members.start_employment(member=person, company=company_a, from_period=JAN)
    run_letter_batch(acting_user=None)  # the starts go in a first batch

    members.end_employment(member=ola, company=company_a, last_period=FEB)
    members.resign_member(member=per, resigned=dt.date(2027, 3, 10))
    members.open_layoff(member=siri, company=company_a, from_period=MAR)
    batch = run_letter_batch(acting_user=None)

    letter = letter_for(batch, company_a)
    assert letter.subject == "Utmeldte / overflytting av medlemmer"
    assert (letter.starts, letter.stops) == (0, 3)
    text = text_of(letter)
    assert "Start trekk" not in text
    lines = text.splitlines()
    assert any("Normann, Ola" in line and "Sluttet i bedriften" in line for line in lines)
    assert any("februar 2027" in line for line in lines if "Normann, Ola" in line)
    assert any("Hansen, Per" in line and "Utmeldt av forbundet" in line for line in lines)
    assert any("mars 2027" in line for line in lines if "Hansen, Per" in line)
    assert any("Berg, Siri" in line and "Permittert" in line for line in lines)


def test_a_move_stops_at_the_old_company_and_starts_at_the_new_one(company_a, company_b):
    kari = member("Nordmann, Kari", member_no="7")
    members.start_employment(member=kari, company=company_a, from_period=JAN)
    run_letter_batch(acting_user=None)

    members.start_employment(member=kari, company=company_b, from_period=MAR)
    batch = run_letter_batch(acting_user=None)

    old, new = letter_for(batch, company_a), letter_for(batch, company_b)
    assert (old.starts, old.stops) == (0, 1)
    assert (new.starts, new.stops) == (1, 0)
    old_text = text_of(old)
    assert "Overført til annen bedrift" in old_text and "februar 2027" in old_text
    assert company_b.name not in old_text  # one company's letter names no other company
    assert "mars 2027" in text_of(new)


def test_rerunning_never_repeats_a_change(company_a, company_b):
    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    first = run_letter_batch(acting_user=None)
    publish_batch(batch=first, acting_user=None)

    assert run_letter_batch(acting_user=None) is None  # nothing new: no batch at all
    members.start_employment(member=member("Berg, Siri"), company=company_b, from_period=JAN)
    second = run_letter_batch(acting_user=None)

    assert list(second.letters.values_list("company", flat=True)) == [company_b.pk]
    assert "Ås, Per" not in text_of(letter_for(second, company_b))
    assert LetterChange.objects.count() == 2


def test_a_discarded_batch_gives_its_changes_back_and_deletes_its_files(company_a, staff):
    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    draft = run_letter_batch(acting_user=staff)
    stored = letter_for(draft, company_a).storage_name

    discard_batch(batch=draft, acting_user=staff)

    draft.refresh_from_db()
    assert draft.state == LetterBatch.State.DISCARDED
    assert not Letter.objects.exists() and not default_storage.exists(stored)
    again = run_letter_batch(acting_user=staff)
    assert "Ås, Per" in text_of(letter_for(again, company_a))
    assert AuditEvent.objects.get(action="letter.batch_discarded").data == {
        "letters": 1,
        "changes": 1,
    }


def test_a_draft_is_invisible_to_the_company_until_it_is_published(
    company_a, employer_a, client_a, staff
):
    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    draft = run_letter_batch(acting_user=staff)
    assert "Vedrørende" not in client_a.get("/brev/").content.decode()
    assert not OutboxMessage.objects.exists()

    publish_batch(batch=draft, acting_user=staff)

    assert "Vedrørende kontingenttrekk" in client_a.get("/brev/").content.decode()
    message = OutboxMessage.objects.get(to=employer_a.email)
    assert "Ås" not in message.body_text and "Per" not in message.body_text
    with pytest.raises(ValidationError):
        publish_batch(batch=draft, acting_user=staff)  # once only
    with pytest.raises(ValidationError):
        discard_batch(batch=draft, acting_user=staff)  # a published batch stays


def test_publishing_sets_created_to_the_publishing_day(company_a, staff):
    import time_machine

    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        draft = run_letter_batch(acting_user=staff)
    with time_machine.travel(dt.datetime(2027, 1, 8, 9, tzinfo=dt.UTC), tick=False):
        publish_batch(batch=draft, acting_user=staff)

    assert letter_for(draft, company_a).created_at == dt.datetime(2027, 1, 8, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "name",
    ["#set text(red)", "]", "</b>", '"); #panic("x")', "$x^2$ @ref <label> \\ *bold*"],
)
def test_member_data_is_printed_as_written_never_as_markup(company_a, name):
    members.start_employment(
        member=member(name, member_no="*1*"), company=company_a, from_period=JAN
    )

    text = text_of(letter_for(run_letter_batch(acting_user=None), company_a))

    assert name in text
    assert "*1*" in text


def test_the_pdf_is_tagged_pdf_ua_1_and_pdf_a_2a_with_title_language_and_embedded_fonts(
    company_a,
):
    members.start_employment(member=member("Øvrebø, Åse"), company=company_a, from_period=JAN)
    letter = letter_for(run_letter_batch(acting_user=None), company_a)
    with default_storage.open(letter.storage_name, "rb") as handle:
        data = handle.read()

    xmp = re.search(rb"<x:xmpmeta.*?</x:xmpmeta>", data, re.S).group(0).decode()
    assert re.search(r"pdfuaid:part>1<|pdfuaid:part=\"1\"", xmp)
    assert re.search(r"pdfaid:part>2<|pdfaid:part=\"2\"", xmp)
    assert re.search(r"pdfaid:conformance>A<|pdfaid:conformance=\"A\"", xmp)
    assert "Vedrørende kontingenttrekk for våre medlemmer" in xmp
    assert b"/StructTreeRoot" in data and re.search(rb"/Marked\s*true", data)
    assert re.search(rb"/Lang\s*\(nb-NO\)", data)
    assert b"/FontFile2" in data  # TrueType programs embedded
    assert b"LiberationSans" in data
    assert "Øvrebø, Åse" in text_of(letter)


def test_the_letterhead_comes_from_the_settings(company_a, settings):
    settings.UNION_NAME = "Forbundet Test"
    settings.UNION_ADDRESS = "Postboks 1 Sentrum|0101 Oslo"
    settings.UNION_PHONE = "22 33 44 55"
    settings.UNION_EMAIL = "medlem@forbundet.example"
    settings.LETTER_SIGNATURE = "Med hilsen|Kari Kasserer|Forbundet Test"
    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)

    text = text_of(letter_for(run_letter_batch(acting_user=None), company_a))

    for expected in (
        "Forbundet Test",
        "Postboks 1 Sentrum",
        "0101 Oslo",
        "22 33 44 55",
        "medlem@forbundet.example",
        "Kari Kasserer",
    ):
        assert expected in text
    assert "Industri Energi" not in text


def test_the_compiler_reads_nothing_outside_the_template_folder():
    from trekkportal.letters import pdf

    compiler = pdf._get_compiler()
    for source in ('#read("../pdf.py")', '#read("/etc/hostname")', '#import "@preview/x:0.1.0"'):
        with pytest.raises(Exception):  # noqa: B017 - typst's error types vary by cause
            compiler.compile(input=source.encode(), format="pdf")
    for template in pdf.TEMPLATE_DIR.glob("**/*.typ"):
        assert "@preview" not in template.read_text()  # no package to fetch


def test_the_staff_preview_the_batch_and_each_pdf_in_the_admin(staff_client, company_a, staff):
    members.start_employment(
        member=member("Ås, Per", member_no="55"), company=company_a, from_period=JAN
    )
    response = staff_client.post("/admin/letters/letterbatch/run/")
    assert response.status_code == 302 and not LetterBatch.objects.exists()  # queued
    run_pending()
    batch = LetterBatch.objects.get()
    assert batch.created_by == staff

    page = staff_client.get(f"/admin/letters/letterbatch/{batch.pk}/change/").content.decode()
    assert company_a.name in page and "Ås, Per" in page and "Publiser bunken" in page
    letter = letter_for(batch, company_a)
    preview = staff_client.get(f"/admin/letters/letter/{letter.pk}/preview/")
    assert preview["Content-Type"] == "application/pdf"
    assert b"".join(preview.streaming_content).startswith(b"%PDF-")
    letter.refresh_from_db()
    assert not letter.was_downloaded  # staff looking is not the company downloading

    staff_client.post(f"/admin/letters/letterbatch/{batch.pk}/publish/")
    batch.refresh_from_db()
    assert batch.state == LetterBatch.State.PUBLISHED


def test_the_staff_discard_a_batch_in_the_admin(staff_client, company_a):
    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    batch = run_letter_batch(acting_user=None)

    staff_client.post(f"/admin/letters/letterbatch/{batch.pk}/discard/")

    batch.refresh_from_db()
    assert batch.state == LetterBatch.State.DISCARDED


def test_a_member_paying_by_invoice_gets_no_letter(company_a):
    person = member("Faktura, Fia", payment="invoice")
    members.start_employment(member=person, company=company_a, from_period=JAN)

    assert run_letter_batch(acting_user=None) is None


def test_a_long_list_runs_over_pages(company_a):
    for n in range(70):
        members.start_employment(
            member=member(f"Medlem {n:02d}, Øystein"), company=company_a, from_period=JAN
        )

    letter = letter_for(run_letter_batch(acting_user=None), company_a)

    with default_storage.open(letter.storage_name, "rb") as handle:
        document = pypdfium2.PdfDocument(io.BytesIO(handle.read()).getvalue())
    assert len(document) >= 2
    document.close()
    assert "Medlem 69, Øystein" in text_of(letter)


def test_the_admin_says_when_there_is_nothing_to_write_about(staff_client):
    response = staff_client.post("/admin/letters/letterbatch/run/", follow=True)

    assert "Det er ingen nye medlemsendringer å skrive om." in response.content.decode()
    run_pending()
    assert not LetterBatch.objects.exists()


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("Øvrebø, Åse Ærlig", "Øvrebø, Åse Ærlig"),
        ("Áilu Ŋuolla-Đávvet", "Áilu Ŋuolla-Đávvet"),  # Sámi letters are in the font
        ("Hansen\u202e, Per", "Hansen, Per"),  # a bidi override is dropped
        ("Nul\x00 Tab\tLinje\n", "Nul Tab Linje "),
        ("王小明", "???"),  # no glyph in the shipped font: shown, not a failed batch
        ("Kari 😀", "Kari ?"),
        ("Ka\u0301ri", "Kári"),  # composed (NFC)
    ],
)
def test_text_is_printed_as_the_shipped_font_can_show_it(written, printed):
    from trekkportal.letters.pdf import printable_text

    assert printable_text(written) == printed


def test_a_name_the_font_cannot_show_does_not_stop_the_batch(company_a, company_b):
    members.start_employment(member=member("王小明 😀"), company=company_a, from_period=JAN)
    members.start_employment(member=member("Berg, Siri"), company=company_b, from_period=JAN)

    batch = run_letter_batch(acting_user=None)

    assert batch.letters.count() == 2
    assert "??? ?" in text_of(letter_for(batch, company_a))


def test_a_run_that_races_another_for_the_same_change_fails_whole_and_leaves_no_file(
    company_a, monkeypatch
):
    """Two runs at once both read a change as free: the one-to-one key lets only one
    keep it; the other stores nothing (no batch, no letter, no file)."""
    from django.db import IntegrityError, transaction

    from trekkportal.letters import services
    from trekkportal.members.models import MemberChange

    members.start_employment(member=member("Ås, Per"), company=company_a, from_period=JAN)
    first = run_letter_batch(acting_user=None)
    monkeypatch.setattr(
        services,
        "pending_changes",
        lambda: MemberChange.objects.select_related("member", "company"),  # a stale read
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        run_letter_batch(acting_user=None)

    assert list(LetterBatch.objects.all()) == [first]
    assert Letter.objects.count() == 1
    assert default_storage.listdir("letters")[1] == [
        letter_for(first, company_a).storage_name.split("/")[-1]
    ]
