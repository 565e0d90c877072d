"""Letters: typesetting candidates, generating a whole batch, and the "Brev" tab.

    .venv/bin/python benchmarks/letters_benchmark.py typeset [--runs 30]
    .venv/bin/python benchmarks/letters_benchmark.py generate [--companies 2000]
    .venv/bin/python benchmarks/letters_benchmark.py tab [--letters 10000] [--runs 50]

``typeset``: one two-page letter with 60 members (30 to start, 30 to stop), median of
``--runs``: Typst through the ``typst`` binding (our template, PDF/UA-1 + PDF/A-2a; with a
reused compiler as the app runs it, and a fresh one per letter), and reportlab platypus
(the same table, untagged; ``pip install reportlab`` to include it) when installed.

``generate``: a throw-away SQLite database with ``--companies`` companies, each with one new
member starting and one member leaving; ``run_letter_batch`` end to end (reading the
changes, one PDF per company, storing the files and rows). Budget: 2,000 letters ≤ 60 s
(≤ 30 ms a letter).

``tab``: ``--letters`` letters for one company and the tab's server time and query count
through Django's test client (full middleware stack).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    tmp = tempfile.mkdtemp(prefix="trekkportal-bench-")
    os.environ["TREKKPORTAL_VAR_DIR"] = tmp
    os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)


def sample_content(members: int = 60):
    from trekkportal.letters.pdf import LetterContent, Letterhead, StartLine, StopLine

    half = members // 2
    return LetterContent(
        title="Vedrørende kontingenttrekk for våre medlemmer",
        union=Letterhead(
            name="Industri Energi",
            address=["Postboks 2131 Grünerløkka", "0505 Oslo"],
            phone="22 00 00 00",
            email="trekk@example.org",
        ),
        company_name="Nordsjø Boring AS",
        company_orgnr="920000107",
        date="01.12.2026",
        labels={
            key: key.replace("_", " ").capitalize()
            for key in [
                "page",
                "phone",
                "email",
                "orgnr",
                "starts_heading",
                "starts_intro",
                "stops_heading",
                "stops_intro",
                "name",
                "birth_date",
                "member_no",
                "from_period",
                "dues",
                "reason",
                "last_period",
            ]
        },
        intro=["Her er endringene i vårt medlemsregister som gjelder kontingenttrekk."],
        closing=["Spørsmål om dette brevet kan sendes til trekk@example.org."],
        signature=["Med vennlig hilsen", "Industri Energi"],
        starts=[
            StartLine(f"Øvrebø, Kåre {n}", "14.03.1985", str(10_000 + n), "januar 2027", "1,40 %")
            for n in range(half)
        ],
        stops=[
            StopLine(
                f"Ås, Ærlig {n}", "02.06.1979", "Overført til en annen bedrift", "desember 2026"
            )
            for n in range(members - half)
        ],
    )


def _median_ms(function, runs: int) -> float:
    function()  # warm-up
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def typeset(args) -> None:
    import typst

    from trekkportal.letters import pdf

    content = sample_content()
    pages = _page_count(pdf.render_letter(content))
    warm = _median_ms(lambda: pdf.render_letter(content), args.runs)

    def cold():
        fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(pdf.FONT_DIR)]
        )
        compiler = typst.Compiler(root=str(pdf.TEMPLATE_DIR), font_paths=fonts)
        compiler.compile(
            input=str(pdf.TEMPLATE),
            sys_inputs={"data": content.as_json()},
            pdf_standards=pdf.PDF_STANDARDS,
        )

    fresh = _median_ms(cold, max(args.runs // 3, 5))
    print(f"letter: 60 members, {pages} pages")
    print(f"typst {typst.__version__}, PDF/UA-1 + PDF/A-2a, reused compiler  {warm:7.1f} ms")
    print(f"typst {typst.__version__}, PDF/UA-1 + PDF/A-2a, fresh compiler   {fresh:7.1f} ms")
    try:
        import reportlab
    except ImportError:
        print("reportlab: not installed (pip install reportlab to compare)")
        return
    data = _reportlab_letter(content)
    rl = _median_ms(lambda: _reportlab_letter(content), args.runs)
    print(
        f"reportlab {reportlab.Version} platypus, untagged              {rl:7.1f} ms "
        f"({_page_count(data)} pages)"
    )


def _page_count(data: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def _reportlab_letter(content) -> bytes:
    """The same letter with reportlab's platypus (Liberation Sans embedded), for timing."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    from trekkportal.letters.pdf import FONT_DIR

    if "LiberationSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(
            TTFont("LiberationSans", str(FONT_DIR / "LiberationSans-Regular.ttf"))
        )
    styles = getSampleStyleSheet()
    style = styles["Normal"].clone("letter", fontName="LiberationSans", fontSize=10)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        title=content.title,
        lang="nb-NO",
    )
    story = [
        Paragraph(content.union.name, style),
        Spacer(1, 1 * cm),
        Paragraph(content.company_name, style),
        Paragraph(content.title, style),
    ]
    story += [Paragraph(p, style) for p in content.intro]
    story.append(
        Table(
            [["Navn", "Fødselsdato", "Medlemsnr.", "Fra periode", "Sats"]]
            + [[s.name, s.birth_date, s.member_no, s.period, s.dues] for s in content.starts],
            repeatRows=1,
            style=[("FONT", (0, 0), (-1, -1), "LiberationSans", 10)],
        )
    )
    story.append(
        Table(
            [["Navn", "Fødselsdato", "Årsak", "Siste periode"]]
            + [[s.name, s.birth_date, s.reason, s.period] for s in content.stops],
            repeatRows=1,
            style=[("FONT", (0, 0), (-1, -1), "LiberationSans", 10)],
        )
    )
    story += [Paragraph(line, style) for line in content.signature]
    doc.build(story)
    return out.getvalue()


def generate(args) -> None:
    _setup_django()
    from trekkportal.accounts.models import Company
    from trekkportal.letters.services import run_letter_batch
    from trekkportal.lib.identity import make_valid_nin, make_valid_orgnr
    from trekkportal.lib.periods import Period
    from trekkportal.members import services as members

    start = time.perf_counter()
    companies = Company.objects.bulk_create(
        Company(name=f"Bedrift {n:04d} AS", orgnr=make_valid_orgnr(80_000_000 + n * 10))
        for n in range(args.companies)
    )
    born = dt.date(1960, 1, 1)
    for n, company in enumerate(companies):
        leaving = members.register_member(
            nin=make_valid_nin(born + dt.timedelta(days=2 * n), 200), name=f"Ås, Per {n}"
        )
        members.start_employment(member=leaving, company=company, from_period=Period(2026, 1))
    from trekkportal.letters.models import LetterChange
    from trekkportal.members.models import MemberChange

    # The earlier starts were written about already: mark them taken without PDFs.
    _take_all_changes(LetterChange, MemberChange)
    for n, company in enumerate(companies):
        joining = members.register_member(
            nin=make_valid_nin(born + dt.timedelta(days=2 * n + 1), 300),
            name=f"Øvrebø, Kåre {n}",
            member_no=str(100_000 + n),
        )
        members.start_employment(member=joining, company=company, from_period=Period(2027, 1))
    for company in companies:
        person = MemberChange.objects.filter(company=company).first().member
        members.end_employment(member=person, company=company, last_period=Period(2026, 12))
    print(
        f"set up {args.companies} companies, {2 * args.companies} new changes "
        f"in {time.perf_counter() - start:.1f} s"
    )

    start = time.perf_counter()
    batch = run_letter_batch(acting_user=None)
    elapsed = time.perf_counter() - start
    count = batch.letters.count()
    print(
        f"run_letter_batch: {count} letters in {elapsed:.2f} s, "
        f"{elapsed / count * 1000:.1f} ms a letter (budget 60 s, 30 ms a letter)"
    )


def _take_all_changes(letter_change, member_change) -> None:
    from trekkportal.letters.models import LetterBatch

    batch = LetterBatch.objects.create(kind=LetterBatch.Kind.GENERATED, state="published")
    letter_change.objects.bulk_create(
        letter_change(batch=batch, change=change) for change in member_change.objects.all()
    )


def tab(args) -> None:
    _setup_django()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from trekkportal.accounts.models import Company, CompanyAccess, NdaAcceptance, User
    from trekkportal.accounts.nda import current_nda_version
    from trekkportal.letters.models import Letter, LetterBatch
    from trekkportal.lib.identity import make_valid_orgnr

    company = Company.objects.create(name="Nordsjø Boring AS", orgnr=make_valid_orgnr(81_000_000))
    user = User.objects.create_user("lonn@example.no", "a-long-bench-passphrase")
    CompanyAccess.objects.create(user=user, company=company)
    NdaAcceptance.objects.create(user=user, version=current_nda_version())
    name = default_storage.save("letters/bench.pdf", ContentFile(b"%PDF-1.7\n"))
    batch = LetterBatch.objects.create(kind=LetterBatch.Kind.UPLOADED, state="published")
    now = timezone.now()
    Letter.objects.bulk_create(
        (
            Letter(
                company=company,
                batch=batch,
                subject="Vedrørende kontingenttrekk for våre medlemmer",
                storage_name=f"{name}.{n}",
                size=9,
                sha256="0" * 64,
                # spread over a year: about half are past the six months
                created_at=now - dt.timedelta(minutes=53 * n),
                is_published=True,
                first_downloaded_at=now if n % 3 else None,
            )
            for n in range(args.letters)
        ),
        batch_size=2000,
    )
    client = Client()
    client.force_login(user)
    for url in ("/brev/", "/brev/?side=40"):
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        queries_done = len(queries)
        median = _median_ms(lambda url=url: client.get(url), args.runs)
        print(f"{url:<16} {args.letters} letters: median {median:6.2f} ms, {queries_done} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("typeset")
    p.add_argument("--runs", type=int, default=30)
    p = sub.add_parser("generate")
    p.add_argument("--companies", type=int, default=2000)
    p = sub.add_parser("tab")
    p.add_argument("--letters", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if args.what == "typeset":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
        import django

        django.setup()
        typeset(args)
    elif args.what == "generate":
        generate(args)
    else:
        tab(args)


if __name__ == "__main__":
    main()
