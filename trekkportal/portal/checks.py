"""System checks that report missing production configuration (run by `check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from trekkportal.lib import nincrypt


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
