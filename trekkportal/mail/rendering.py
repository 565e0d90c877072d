"""Render an e-mail from ``templates/emails/<name>.subject.txt|.txt|.html``.

Only allow-listed context keys with plain values reach a template, and a value that holds
a valid national identity number is refused: an e-mail says what happened and links to the
portal, nothing more (docs/domain.md § Notifications).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from trekkportal.lib.identity import is_valid_nin

# What an e-mail may mention. Company (not person) names, periods, dates, counts, links.
ALLOWED_CONTEXT_KEYS = frozenset(
    {
        "company_name",
        "orgnr",
        "period",  # the long form, "oktober 2026"
        "deadline",  # a date
        "submitted_at",  # a datetime
        "count",  # how many (files, members) — never who
        "read_count",  # how many of the files were read
        "unread_count",  # how many could not be read automatically
        "url",  # the portal page the e-mail points to
        "letter_subject",  # the subject line of a union letter (not a person)
    }
)
_PLAIN = (str, int, dt.date, type(None))
_DIGIT_RUN = re.compile(r"\d[\d\s.]{9,}\d")


class UnsafeEmailContext(ValueError):
    """A caller tried to put something into an e-mail that must never be in one."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def check_context(context: dict[str, Any]) -> None:
    unknown = set(context) - ALLOWED_CONTEXT_KEYS
    if unknown:
        raise UnsafeEmailContext(f"e-mail context keys not allowed: {sorted(unknown)}")
    for key, value in context.items():
        if not isinstance(value, _PLAIN) or isinstance(value, bool):
            raise UnsafeEmailContext(
                f"e-mail context {key!r} must be plain text, a number or a date"
            )
        if isinstance(value, str):
            for run in _DIGIT_RUN.findall(value):
                digits = re.sub(r"\D", "", run)
                if any(is_valid_nin(digits[i : i + 11]) for i in range(max(len(digits) - 10, 0))):
                    raise UnsafeEmailContext(f"e-mail context {key!r} holds an identity number")


def render_email(template_name: str, context: dict[str, Any], *, language: str) -> RenderedEmail:
    """Render the three parts in ``language`` with the union's name and the portal link."""
    check_context(context)
    return _render(template_name, context, language=language)


def render_one_time_code(
    template_name: str, *, code: str, minutes: int, language: str
) -> RenderedEmail:
    """The one e-mail that carries a secret: a one-time code and how long it is valid.
    Its context is exactly that (no names, no companies, no links carrying the code); it
    is sent at once and never stored in the outbox (``accounts.adapter``)."""
    return _render(template_name, {"code": code, "minutes": minutes}, language=language)


def _render(template_name: str, context: dict[str, Any], *, language: str) -> RenderedEmail:
    full = {
        **context,
        "union_name": settings.UNION_NAME,
        "union_contact_email": settings.UNION_CONTACT_EMAIL,
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": language,
    }
    with translation.override(language):
        subject = render_to_string(f"emails/{template_name}.subject.txt", full)
        text = render_to_string(f"emails/{template_name}.txt", full)
        html = render_to_string(f"emails/{template_name}.html", full)
    one_line = " ".join(subject.split())  # no header injection, no stray breaks
    return RenderedEmail(subject=one_line, text=text.strip() + "\n", html=html)
