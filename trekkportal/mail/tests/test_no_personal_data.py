"""No e-mail can carry a national identity number or a member name (docs/domain.md §
Notifications): the templates only use allow-listed variables, the allow-list refuses
anything else, and rendering every template with personal data everywhere else shows none
of it."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.template import loader
from django.template.base import VariableNode
from django.templatetags.i18n import BlockTranslateNode

from trekkportal.lib.identity import make_valid_nin, mask_nin
from trekkportal.lib.periods import Period
from trekkportal.mail import emails
from trekkportal.mail.models import OutboxMessage
from trekkportal.mail.rendering import (
    ALLOWED_CONTEXT_KEYS,
    UnsafeEmailContext,
    _render,
    render_email,
)

NIN = make_valid_nin(dt.date(1985, 3, 14))
MEMBER = "Normann, Ola"
SERVER_SIDE = {"union_name", "union_contact_email", "site_url"}
EMAIL_TEMPLATES = sorted(
    {p.name.split(".")[0] for p in (Path(settings.BASE_DIR) / "templates" / "emails").iterdir()}
)
OUR_EMAILS = [
    "submission_receipt",
    "new_letter",
    "new_missing_deductions",
    "missing_list_reminder",
    "account_invitation",
]


def variables_used(template_name: str) -> set[str]:
    """Every variable a template (and what it extends or includes) can print."""
    found: set[str] = set()

    def walk(nodelist):
        for node in nodelist:
            if isinstance(node, VariableNode):
                found.add(node.filter_expression.var.var.split(".")[0]
                          if hasattr(node.filter_expression.var, "var")
                          else str(node.filter_expression.var))  # fmt: skip
            if isinstance(node, BlockTranslateNode):
                for token in [*node.singular, *(node.plural or [])]:
                    if token.token_type.name == "VAR":
                        found.add(token.contents.split("|")[0].split(".")[0].strip())
                found.update(node.extra_context)
                if node.counter:
                    found.add(node.countervar)
            for attr in getattr(node, "child_nodelists", ()):
                walk(getattr(node, attr, None) or [])
            if node.__class__.__name__ == "IncludeNode":
                walk(loader.get_template(node.template.var).template.nodelist)
            if node.__class__.__name__ == "ExtendsNode":
                walk(loader.get_template(node.parent_name.var).template.nodelist)

    walk(loader.get_template(template_name).template.nodelist)
    return found


@pytest.mark.parametrize("name", OUR_EMAILS)
@pytest.mark.parametrize("part", ["subject.txt", "txt", "html"])
def test_each_template_prints_only_allow_listed_variables(name, part):
    used = variables_used(f"emails/{name}.{part}")

    assert used <= ALLOWED_CONTEXT_KEYS | SERVER_SIDE | {"LANGUAGE_CODE"}, used


@pytest.mark.parametrize("key", ["member_name", "members", "name", "nin", "rows", "user"])
def test_a_context_key_for_people_is_refused(key):
    with pytest.raises(UnsafeEmailContext):
        render_email("new_letter", {key: MEMBER}, language="nb")


@pytest.mark.parametrize("name", OUR_EMAILS)
def test_no_template_renders_an_identity_number_or_a_member_name(name):
    """Every template, in both languages, given the allowed keys with harmless values and
    personal data under every other name a template might reach for."""
    allowed = {
        "company_name": "Alfa Offshore AS",
        "orgnr": "920001009",
        "period": "oktober 2026",
        "deadline": dt.date(2026, 11, 15),
        "submitted_at": dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC),
        "count": 3,
        "url": "http://localhost:8000/utrukne/",
        "letter_subject": "Vedrørende kontingenttrekk for våre medlemmer",
    }
    personal = {
        key: f"{MEMBER} {NIN}"
        for key in ["member", "members", "member_name", "name", "nin", "fodselsnummer",
                    "first_name", "last_name", "rows", "user", "object", "row", "lines"]
    }  # fmt: skip
    for language in ("nb", "en"):
        context = {**allowed, **personal}
        rendered = _render(name, context, language=language)
        for part in (rendered.subject, rendered.text, rendered.html):
            assert NIN not in part
            assert mask_nin(NIN)[:6] + NIN[6:] not in part
            assert "Normann" not in part


def test_the_named_emails_cannot_be_given_personal_data(company_a):
    """The public functions take a company, a period, dates and counts — nothing else."""
    with pytest.raises(UnsafeEmailContext):
        emails.new_letter(company=company_a, letter_subject=f"Utmelding {NIN}", to=["a@b.no"])
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_company_name_holding_an_identity_number_is_refused(company_a):
    company_a.name = f"Enkeltpersonforetak {NIN}"  # a sole proprietorship named by its owner
    with pytest.raises(UnsafeEmailContext):
        emails.missing_list_reminder(
            company=company_a,
            period=Period(2026, 10),
            deadline=dt.date(2026, 11, 15),
            to=["a@b.no"],
        )


def test_all_email_functions_are_covered():
    assert sorted(f.__name__ for f in emails.ALL_EMAILS) == sorted(OUR_EMAILS)
    assert set(OUR_EMAILS) <= set(EMAIL_TEMPLATES)
