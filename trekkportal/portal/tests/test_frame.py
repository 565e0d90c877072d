"""The portal frame: tabs, company switcher, language, error pages and headers."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from trekkportal.audit.models import AuditEvent

TAB_LABELS = ["Innsending", "Innsendte lister det siste året", "Brev fra forbundet", "Utrukne"]


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(reverse("submissions:innsending"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["submissions:innsending", "submissions:innsendte", "portal:brev", "portal:utrukne"]
)
def test_every_tab_shows_the_frame_in_norwegian(client_a, company_a, name):
    response = client_a.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nb">' in html
    for label in TAB_LABELS:
        assert label in html
    assert "Logg ut" in html
    assert 'aria-current="page"' in html
    assert company_a.name in html


def test_the_switcher_lists_only_granted_companies(client_a, company_a, company_b, company_c):
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert company_a.name in html and company_c.name in html
    assert company_b.name not in html
    assert '<label for="company-switch">Bedrift</label>' in html


def test_a_user_with_one_company_sees_its_name_without_a_switcher(client_b, company_b):
    html = client_b.get(reverse("submissions:innsending")).content.decode()
    assert company_b.name in html
    assert 'id="company-switch"' not in html


def test_a_user_without_companies_is_told_to_contact_the_union(client, db):
    from tests.fixtures import log_in_client, make_user  # force_login plus the accepted NDA

    log_in_client(client, make_user("ingen@bedrift.example"))
    response = client.get(reverse("submissions:innsending"))
    assert response.status_code == 403
    assert "Ta kontakt med Industri Energi for å få riktig tilgang" in response.content.decode()


def test_union_staff_without_companies_go_to_the_back_office_instead(client, staff):
    from tests.fixtures import log_in_client

    log_in_client(client, staff)
    response = client.get(reverse("submissions:innsending"))
    assert response.status_code == 302
    assert response.url == reverse("backoffice:overview")


def test_switching_company_changes_the_active_company_and_is_audited(
    client_a, employer_a, company_c
):
    response = client_a.post(reverse("portal:switch_company"), {"company": company_c.pk})
    assert response.status_code == 302
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert f'<option value="{company_c.pk}" selected>' in html
    assert AuditEvent.objects.filter(
        action="company.switched", actor=employer_a, company=company_c
    ).exists()


def test_switching_to_a_company_not_granted_is_refused(client_a, employer_a, company_a, company_b):
    client_a.post(reverse("portal:switch_company"), {"company": company_b.pk})
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert company_b.name not in html
    assert f'<option value="{company_a.pk}" selected>' in html
    assert AuditEvent.objects.filter(action="access.refused", actor=employer_a).exists()


@pytest.mark.parametrize("tampered", ["", "abc", "-1", "99999999", "1 OR 1=1"])
def test_tampered_switch_values_never_fail(client_a, tampered):
    response = client_a.post(reverse("portal:switch_company"), {"company": tampered})
    assert response.status_code == 302


def test_switching_by_get_is_not_allowed(client_a, company_c):
    response = client_a.get(reverse("portal:switch_company"), {"company": company_c.pk})
    assert response.status_code == 405


def test_the_switch_never_redirects_off_site(client_a, company_c):
    response = client_a.post(
        reverse("portal:switch_company"), {"company": company_c.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("portal:home")


def test_revoked_access_takes_effect_on_the_next_request(
    client_a, employer_a, company_a, company_c
):
    from trekkportal.accounts.services import revoke_access

    client_a.post(reverse("portal:switch_company"), {"company": company_c.pk}, follow=True)
    revoke_access(user=employer_a, company=company_c)
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert company_c.name not in html
    assert company_a.name in html


def test_the_interface_is_available_in_english(client_a):
    client_a.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html
    assert "Lists submitted in the last year" in html


def test_pages_send_security_headers(client_a):
    response = client_a.get(reverse("submissions:innsending"))
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_page_gets_the_portals_404(client_a, settings):
    settings.DEBUG = False
    response = client_a.get("/finnes-ikke/")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()


def test_a_forced_error_shows_a_generic_page_without_details(client_a, settings, monkeypatch):
    from trekkportal.letters import views

    settings.DEBUG = False
    client_a.raise_request_exception = False

    def boom(request):
        raise RuntimeError("secret detail 01019012345")

    monkeypatch.setattr(views, "render", lambda *a, **k: boom(None))
    response = client_a.get(reverse("portal:brev"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Noe gikk galt" in body
    assert "secret detail" not in body and "Traceback" not in body


def test_the_development_key_is_announced(client_a, settings):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert "usikre utviklingsnøkkelen" in html


def test_the_frame_uses_a_fixed_number_of_queries(client_a, django_assert_max_num_queries):
    # The frame's 8 (session, user, NDA, acceptance, companies, session save, ...) and the
    # empty letter list's one count.
    with django_assert_max_num_queries(9):
        client_a.get(reverse("portal:brev"))


def test_an_english_browser_still_gets_norwegian_by_default(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nb">' in response.content.decode()


def test_choosing_english_becomes_the_users_preferred_language(client_a, employer_a):
    client_a.post(reverse("set_language"), {"language": "en", "next": "/"})
    employer_a.refresh_from_db()
    assert employer_a.language == "en"


def test_a_user_who_prefers_english_gets_english_on_a_new_browser(client, employer_a):
    from tests.fixtures import log_in_client

    employer_a.language = "en"
    employer_a.save()
    html = log_in_client(client, employer_a).get(reverse("portal:brev")).content.decode()
    assert '<html lang="en">' in html


def test_the_language_cannot_be_changed_by_get(client, db):
    assert client.get(reverse("set_language"), {"language": "en"}).status_code == 405


def test_the_footer_gives_the_unions_contact_details_from_settings(client_a, settings):
    settings.UNION_ADDRESS = "Hammersborg torg 3|0179 Oslo"
    settings.UNION_PHONE = "+47 51 84 50 00"
    settings.UNION_EMAIL = "post@forbundet.example"
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert "Hammersborg torg 3<br>0179 Oslo" in html
    assert '<a href="tel:+4751845000">+47 51 84 50 00</a>' in html
    assert '<a href="mailto:post@forbundet.example">post@forbundet.example</a>' in html


def test_the_receipt_marks_the_submission_tab(client_a, company_a, employer_a):
    import datetime as dt

    from trekkportal.lib.periods import Period
    from trekkportal.submissions.services import submit_list
    from trekkportal.submissions.tests.files import CSV, upload

    submission = submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("liste.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    html = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert 'aria-current="page"' in html


def test_every_employer_page_marks_its_tab(client_a, company_a, employer_a):
    from tests.fixtures import submit_one_csv

    submission = submit_one_csv(company_a, employer_a).submission
    pages = {
        reverse("submissions:innsending"): "Innsending",
        reverse("submissions:innsendte"): "Innsendte lister det siste året",
        reverse("portal:brev"): "Brev fra forbundet",
        reverse("portal:utrukne"): "Utrukne",
        reverse("submissions:receipt", args=[submission.pk]): "Innsending",
    }
    for url, tab in pages.items():
        html = client_a.get(url).content.decode()
        current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', html)
        assert current == [tab], (url, current)


def test_the_switcher_changes_company_on_choice_with_a_button_without_javascript(client_a):
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert re.search(r'<script src="[^"]*company-switch\.js" nonce="[^"]+" defer>', html)
    assert '<button type="submit" class="button button--small">Bytt</button>' in html
    script = (settings.BASE_DIR / "static" / "js" / "company-switch.js").read_text()
    assert 'addEventListener("change"' in script and "requestSubmit" in script


def test_a_user_with_one_company_is_told_how_to_get_access_to_more(client_b, settings):
    settings.UNION_EMAIL = "trekk@forbundet.example"
    html = client_b.get(reverse("submissions:innsending")).content.decode()
    assert (
        "Skal du sende lister for flere bedrifter? Ta kontakt med Industri Energi for å få "
        "riktig tilgang:" in html
    )
    assert '<a href="mailto:trekk@forbundet.example">trekk@forbundet.example</a>' in html


def test_a_user_with_several_companies_is_not_told_to_ask_for_more(client_a):
    assert (
        "data-more-companies"
        not in client_a.get(reverse("submissions:innsending")).content.decode()
    )


def test_every_page_has_a_favicon_and_favicon_ico_leads_to_it(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")


@pytest.mark.parametrize(
    ("size", "nb", "en"),
    [
        (12, "12 B", "12 B"),
        (850 * 1024, "850 kB", "850 kB"),
        (1_258_291, "1,2 MB", "1.2 MB"),
        (25 * 1024 * 1024, "25 MB", "25 MB"),
    ],
)
def test_file_sizes_are_written_one_way(size, nb, en):
    from django.template import Context, Template
    from django.utils import translation

    from trekkportal.lib.sizes import format_size

    template = Template("{% load portal %}{{ size|filesize }}")
    with translation.override("nb"):
        assert format_size(size) == nb == template.render(Context({"size": size}))
    with translation.override("en"):
        assert format_size(size) == en


def test_the_receipt_and_the_form_write_sizes_the_same_way(
    client_a, company_a, employer_a, settings
):
    from tests.fixtures import submit_one_csv

    submission = submit_one_csv(company_a, employer_a).submission
    size = submission.files.get().size
    html = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert f">{size} B</td>" in html
    settings.SUBMISSION_MAX_FILE_SIZE = 1536 * 1024
    form = client_a.get(reverse("submissions:innsending")).content.decode()
    assert "Høyst 1,5 MB per fil og 50 MB per innsending." in form


def test_dev_start_address_becomes_the_site_url_of_the_processes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev", settings.BASE_DIR / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    assert dev.site_url_for("192.168.1.5:8000") == "http://192.168.1.5:8000"
    assert dev.site_url_for("8001") == "http://127.0.0.1:8001"
    assert dev.site_url_for("[::1]:8000") == "http://[::1]:8000"
    everywhere = dev.site_url_for("0.0.0.0:8080")
    assert everywhere.startswith("http://") and everywhere.endswith(":8080")
    assert "0.0.0.0" not in everywhere  # noqa: S104
    source = (settings.BASE_DIR / "dev.py").read_text()
    assert '"SITE_URL": os.environ.get("SITE_URL") or site_url_for(address)' in source
