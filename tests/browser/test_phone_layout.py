"""Issue 13, "Every screen, every user": every page an employer can reach, at 1280 and at
390 px wide. On each: a screenshot (``var/screenshots/<page>-<width>.png``, not committed),
no horizontal overflow, no element or text past the window's edges unless it sits in a
box made to scroll sideways, axe clean, and no two buttons closer than 4 px. At 390 px
the header with its tabs takes at most a quarter of the screen.

One journey through the pages in one browser page, with long names where real data has
them: each page is checked at both widths where the journey finds it, so the pages a
form's answer shows (errors, the answered utrukket) are checked too. Every problem of
every page is collected first and reported together."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.fixtures import PASSWORD, make_user, submit_files
from trekkportal.jobs.worker import run_pending
from trekkportal.letters.tests.helpers import make_letter
from trekkportal.lib.periods import Period
from trekkportal.reconciliation.services import reconcile
from trekkportal.reconciliation.tests.helpers import a_member, a_read_list, last_month, line_for
from trekkportal.submissions.services import record_parse_result, submit_list
from trekkportal.submissions.tests.files import CSV, upload
from trekkportal.submissions.tests.test_parse_storage import parsed_with

from .axe import assert_accessible
from .test_column_mapping_journey import UNKNOWN_AMOUNT
from .test_submission_journey import add_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BUTTON_GAP = 4  # px between any two buttons, across or down

# Payroll systems name their exports without a space or a hyphen to break at.
LONG_FILE = "Trekkliste_Oktober_2026_AlfaOffshoreAS_Lonnssystem_Eksport_v2.csv"
LONG_COMMENT = (
    "Rettet liste etter at to ansatte sluttet i oktober; tillegget for overtid kommer i "
    "neste måneds liste sammen med etterbetalingen."
)

# Elements and lines of text that reach past the left or right edge of the window. Only a
# box made to scroll sideways may hold such content: one that scrolls (overflow-x auto or
# scroll), can be reached with the keyboard and has a name (the receipt's preview of a
# file's columns). A table that merely scrolls in its frame is clipped on a phone: it
# stacks instead. Text clipped on purpose (visually hidden, clip: rect(0 0 0 0)) is left out.
OUTSIDE_THE_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  const ancestors = function* (el) {
    for (let up = el; up && up !== document.body; up = up.parentElement) yield up;
  };
  const clippedAway = (el) =>
    [...ancestors(el)].some((up) => getComputedStyle(up).clip !== "auto");
  const madeToScroll = (el) => {
    const overflow = getComputedStyle(el).overflowX;
    const named = el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby");
    return (overflow === "auto" || overflow === "scroll") && el.tabIndex >= 0 && named;
  };
  const scrollsOnPurpose = (el) => [...ancestors(el.parentElement)].some(madeToScroll);
  const outside = (box) =>
    box.width > 1 && box.height > 1 && (box.right > width + 0.5 || box.left < -0.5);
  const found = [];
  const report = (el, what, box) => {
    if (clippedAway(el) || scrollsOnPurpose(el)) return;
    found.push(`${what} reaches from ${Math.round(box.left)} to ${Math.round(box.right)} px`);
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.className ? "." + el.className : "");
    if (outside(box)) report(el, name, box);
    // Inside the window, but cut off by a frame that scrolls (a table in .table-wrap).
    const overflow = getComputedStyle(el).overflowX;
    const hidden = el.scrollWidth - el.clientWidth;
    const scrolls = overflow === "auto" || overflow === "scroll";
    if (scrolls && hidden > 1 && !madeToScroll(el) && !clippedAway(el)) {
      found.push(`${name} hides ${hidden} px of its content sideways`);
    }
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (!text.data.trim() || !text.parentElement.checkVisibility({visibilityProperty: true})) {
      continue;
    }
    range.selectNodeContents(text);
    const box = range.getBoundingClientRect();
    if (outside(box)) report(text.parentElement, JSON.stringify(text.data.trim()), box);
  }
  return found;
}"""


# Visible buttons, button-styled links and submit inputs, with their boxes.
BUTTONS = """() => {
  const selector = "button, input[type=submit], input[type=button], input[type=reset], "
    + ".button, [role=button]";
  const shown = (el) => el.checkVisibility({visibilityProperty: true});
  return Array.from(document.querySelectorAll(selector)).filter(shown).map((el) => ({
    name: (el.innerText || el.value || el.tagName).trim(),
    box: el.getBoundingClientRect().toJSON(),
  })).filter((button) => button.box.width > 1 && button.box.height > 1);
}"""


def buttons_too_close(page) -> list[str]:
    buttons = page.evaluate(BUTTONS)
    found = []
    for i, a in enumerate(buttons):
        for b in buttons[i + 1 :]:
            x, y = a["box"], b["box"]
            across = max(y["left"] - x["right"], x["left"] - y["right"])
            down = max(y["top"] - x["bottom"], x["top"] - y["bottom"])
            if max(across, down) < BUTTON_GAP:
                found.append(
                    f"{a['name']!r} and {b['name']!r} are {max(across, down):.0f} px apart"
                )
    return found


def layout_problems(page, name: str) -> list[str]:
    """What is wrong with the page as the window shows it now (an empty list if nothing)."""
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    where = f"{name} at {width} px"
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{where}: the page is {overflow} px wider than the window")
    problems += [f"{where}: {found}" for found in page.evaluate(OUTSIDE_THE_WINDOW)[:8]]
    problems += [f"{where}: {found}" for found in buttons_too_close(page)]
    if width == PHONE["width"]:
        header = page.locator("header.site-header").bounding_box()
        if header and header["height"] > PHONE["height"] / 4:
            problems.append(f"{where}: the header is {header['height']:.0f} px high")
    try:
        assert_accessible(page)
    except AssertionError as error:
        problems.append(f"{where}: {error}")
    return problems


class Journey:
    """Collects every page's problems, so that one run names them all."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        self.page.locator("main").wait_for()
        for size in (PHONE, DESKTOP):  # ends wide, as the journey goes on
            self.page.set_viewport_size(size)
            self.problems += layout_problems(self.page, name)

    def visit(self, name: str, path: str) -> None:
        self.page.goto(path)
        self.check(name)


def log_in(journey: Journey, email: str, *, check_nda: bool = False) -> None:
    page = journey.page
    page.goto("/logg-inn/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/taushetserklaering/**")
    if check_nda:
        journey.check("nda")
        page.get_by_role("button", name="Ok").click()  # without the tick: refused
        page.get_by_text("Kryss av i boksen").wait_for()
        journey.check("nda-refused")
    page.get_by_label("Jeg har gjort meg kjent med").check()
    page.get_by_role("button", name="Ok").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/logg-inn/**")


def submit(company, user, period, *files, is_correction=False):
    return submit_list(
        company=company,
        period=period,
        files=list(files),
        comment=LONG_COMMENT,
        contact_email="lonn.og.personal.avdeling.nordsjoen@alfa-offshore.example",
        acting_user=user,
        is_correction=is_correction,
    )


@pytest.fixture
def everything_an_employer_sees(employer_a, company_a, company_c):
    """Lists, problems, a file whose columns must be chosen, a correction, a letter and
    two utrukne, with long names where an employer's data has them."""
    company_c.name = "Gamma Kjemi og Prosessindustri Vedlikehold Nordsjøen AS"
    company_c.save(update_fields=["name"])
    this_month = Period.of(timezone.localdate())
    ola = a_member(company_a, name="Normann, Ola")
    a_member(company_a, name="Hansen, Kari")
    a_member(company_a, name="Bakke-Johannessen, Ingrid Marie Kristine")
    a_read_list(company_a, employer_a, last_month(), [line_for(ola)], name=LONG_FILE)
    reconcile(period=last_month(), company=company_a)
    mapping = submit_files(company_a, employer_a, upload(LONG_FILE, UNKNOWN_AMOUNT))
    run_pending()  # the worker finds no amount column it knows in the file
    problems = submit(company_a, employer_a, this_month, upload(LONG_FILE, CSV))
    record_parse_result(submitted_file=problems.files.get(), parsed=parsed_with(20, errors=3))
    two_files = [upload(LONG_FILE, CSV), upload("tillegg.csv", CSV)]
    submit(company_a, employer_a, this_month.shift(-2), *two_files, is_correction=True)
    make_letter(
        company_a,
        created=timezone.now() - dt.timedelta(days=3),
        subject="Vedrørende kontingenttrekk for våre medlemmer fra og med første kvartal",
    )
    return {"mapping": mapping, "problems": problems}


def test_every_employer_page_fits_a_1280_and_a_390_px_window(page, everything_an_employer_sees):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    journey = Journey(page)
    invited = make_user("ny@alfa.example", name="Nina Ny")
    invited.set_unusable_password()
    invited.save(update_fields=["password"])
    make_user("uten@ingen.example", name="Uten Bedrift")

    # Before logging in: the login page, a forgotten password, the activation.
    journey.visit("login", "/logg-inn/")
    journey.visit("glemt-passord", "/glemt-passord/")
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Klikk her for å aktivere din brukerkonto").click()
    page.wait_for_url("**/aktiver/")
    journey.check("aktiver")
    page.get_by_label("E-post").fill(invited.email)
    page.get_by_role("button", name="Send engangskode").click()
    page.wait_for_url("**/aktiver/kode/")
    journey.check("aktiver-kode")
    page.get_by_label("Engangskode").fill("BBBB-BBBB")
    page.get_by_role("button", name="Aktiver brukerkonto").click()
    page.get_by_text("Engangskoden er feil eller utløpt.").wait_for()
    journey.check("aktiver-kode-feil")

    # A user with no company: the NDA, then the page that says so.
    log_in(journey, "uten@ingen.example", check_nda=True)
    page.get_by_role("heading", name="Ingen tilgang til bedrift").wait_for()
    journey.check("ingen-bedrift")
    log_out(page)

    # The employer, with two companies.
    log_in(journey, "kari@alfa.example")
    page.wait_for_url("**/innsending/")
    journey.check("innsending")
    page.get_by_label("Periode:", exact=True).select_option(label=last_month().long_name("nb"))
    page.get_by_role("status").filter(has_text="Er denne listen en rettelse").wait_for()
    add_file(page, LONG_FILE, CSV, "text/csv")
    add_file(page, "tillegg.csv", CSV, "text/csv")
    journey.check("innsending-rettelse")
    page.get_by_label("E-post vi kan kontakte dere på").fill("")
    page.get_by_role("button", name="Send inn").click()  # without an e-mail: refused
    page.get_by_role("alert").filter(has_text="Ingenting er sendt ennå").wait_for()
    journey.check("innsending-feil")
    journey.visit(
        "receipt-problems", f"/innsending/{everything_an_employer_sees['problems'].pk}/kvittering/"
    )
    mapping = everything_an_employer_sees["mapping"]
    journey.visit("receipt-mapping", f"/innsending/{mapping.pk}/kvittering/")
    page.get_by_role("button", name="Les filen med disse kolonnene").click()  # nothing chosen
    page.get_by_role("alert").first.wait_for()
    journey.check("receipt-mapping-errors")
    journey.visit("innsendte", "/innsendte/")
    journey.visit("brev", "/brev/")
    page.set_viewport_size(PHONE)  # the letters' rows reflow on a phone, still a table's
    assert page.get_by_role("row").filter(has_text="Nei").get_by_role("cell").count() == 3
    page.set_viewport_size(DESKTOP)
    journey.visit("utrukne", "/utrukne/")
    page.get_by_label("Status for Hansen, Kari").select_option(label="Annet")
    row = page.get_by_role("row", name=re.compile("Hansen, Kari"))
    row.get_by_label("Kommentar:").fill("Ny lønnsavtale fra desember")
    row.get_by_role("button", name="Send status").click()
    page.get_by_role("region", name="Besvart").wait_for()
    journey.check("utrukne-besvart")
    # The answer refused by the server, as a browser without the script would send it.
    page.get_by_label(re.compile("Status for Bakke-Johannessen")).select_option(label="Annet")
    page.locator("[data-answer-form] input[type=text]").evaluate("el => el.required = false")
    page.get_by_role("button", name="Send status").click()
    page.get_by_text("Skriv en kommentar når du velger Annet.").wait_for()
    journey.check("utrukne-svar-feil")
    journey.visit("ikke-funnet", "/finnes-ikke/")
    journey.visit("logg-ut", "/logg-ut/")
    journey.visit("passord", "/konto/passord/")
    # In English the tabs' names are longer.
    page.goto("/innsendte/")
    page.get_by_label("Språk").select_option(label="English")
    page.get_by_role("button", name="Endre").click()
    page.get_by_role("heading", name="Lists submitted in the last year").wait_for()
    journey.check("innsendte-en")

    assert not journey.problems, "\n".join(journey.problems)
