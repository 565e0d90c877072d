"""System checks: what a server needs that is not there yet (every `check`, and gunicorn's
start, see trekkportal/gunicorn_conf.py), and missing production configuration (`check
--deploy`). Each message says what to run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from trekkportal.lib import nincrypt

# The install steps themselves: a missing manifest must not stop `migrate` or `collectstatic`.
INSTALL_COMMANDS = {"migrate", "collectstatic", "compile_translations", "makemigrations"}


def static_manifest_problem() -> str:
    """Why pages would fail to find their CSS and JS, or "" when all is in place."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend:
        return ""
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    if not manifest.exists():
        return f"The static files manifest {manifest} is missing."
    return ""


def translation_problems() -> list[str]:
    problems = []
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists():
                problems.append(f"The compiled catalogue {mo} is missing.")
    return problems


@register(Tags.staticfiles)
def check_server_files(app_configs, **kwargs):
    if len(sys.argv) > 1 and Path(sys.argv[1]).name in INSTALL_COMMANDS:
        return []
    problems = []
    missing_static = static_manifest_problem()
    if missing_static:
        problems.append(
            Error(
                missing_static + " Every page would fail without it.",
                hint="Run: python manage.py collectstatic --no-input",
                id="trekkportal.E010",
            )
        )
    for problem in translation_problems():
        problems.append(
            Error(
                problem + " The portal would show English instead of bokmål.",
                hint="Run: python manage.py compile_translations",
                id="trekkportal.E011",
            )
        )
    media = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    if media and not os.access(settings.MEDIA_ROOT, os.W_OK) and Path(settings.MEDIA_ROOT).exists():
        problems.append(
            Error(
                f"MEDIA_ROOT {settings.MEDIA_ROOT} is not writable: submissions cannot be stored.",
                hint="Give the service user write access, or set MEDIA_ROOT.",
                id="trekkportal.E012",
            )
        )
    return problems


@register(Tags.security)
def check_nin_keys(app_configs, **kwargs):
    """Malformed identity-number keys stop the server before it stores anything."""
    try:
        nincrypt.keys()
    except nincrypt.NinKeyError as exc:
        return [
            Error(
                f"The identity-number keys are not usable: {exc}.",
                hint="NIN_ENCRYPTION_KEYS is 'id:base64key,...' (32-byte keys, current first); "
                "NIN_INDEX_KEY is base64 of 32 bytes. "
                "`python -m trekkportal.lib.nincrypt` prints new keys.",
                id="trekkportal.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_production_configuration(app_configs, **kwargs):
    problems = []
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        problems.append(
            Warning(
                "SECRET_KEY is the development key.",
                hint="Set SECRET_KEY to a long random value.",
                id="trekkportal.W001",
            )
        )
    try:
        derived = nincrypt.keys_are_derived()
    except nincrypt.NinKeyError:
        derived = False  # check_nin_keys reports it
    if derived:
        problems.append(
            Warning(
                "Identity numbers are encrypted with development keys derived from SECRET_KEY.",
                hint="Set NIN_ENCRYPTION_KEYS and NIN_INDEX_KEY "
                "(`python -m trekkportal.lib.nincrypt` prints new keys).",
                id="trekkportal.W004",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(
            Warning(
                "E-mail goes to the console.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:pass@host:587.",
                id="trekkportal.W002",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
        problems.append(
            Warning(
                "The cache is per process: rate limits would not hold across workers.",
                hint="Leave CACHE_URL unset (database cache) or point it at Redis.",
                id="trekkportal.W003",
            )
        )
    return problems
