"""System checks that report missing production configuration (run by `check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
