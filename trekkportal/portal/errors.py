"""Error pages in the portal's own look, with no stack trace or personal data (F4)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from trekkportal.accounts.decorators import open_before_nda


def _page(request, status: int):
    return render(request, "errors/error.html", {"status": status}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400)


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


@open_before_nda
@require_safe
def request_too_large(request, exception=None):
    """nginx's error_page for 413 (deploy/nginx/): a request body over the server's limit
    never reaches Django, so nginx shows this page instead of its own."""
    from django.conf import settings

    from trekkportal.lib.sizes import format_size

    limit = format_size(settings.SUBMISSION_MAX_TOTAL_SIZE)
    return render(request, "errors/error.html", {"status": 413, "limit": limit}, status=413)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token: most often a page left open across a login
    or logout. Our page and words instead of Django's technical one (whose <style> block
    our CSP blocks anyway); the reason stays out of the page."""
    return render(request, "errors/error.html", {"status": 403, "csrf": True}, status=403)


# When even the 500 template cannot render (a missing static files manifest breaks every
# {% static %}), this page is shown: the same words, no stylesheet.
PLAIN_500 = (
    '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Noe gikk galt</title>'
    '</head><body><main id="main"><h1>Noe gikk galt</h1>'
    "<p>Det oppstod en feil hos oss. Prøv igjen om litt. Feilen er registrert.</p>"
    '<p lang="en">Something went wrong on our side. Please try again shortly.</p>'
    '<p><a href="/">Til forsiden</a></p></main></body></html>'
)


def server_error(request):
    # Rendered without the request context: the error may come from a context processor.
    import logging

    from django.http import HttpResponseServerError
    from django.template.loader import get_template

    try:
        return HttpResponseServerError(get_template("errors/500.html").render())
    except Exception:
        from .checks import static_manifest_problem

        problem = static_manifest_problem()
        logging.getLogger(__name__).error(
            "the error page failed too%s",
            f": {problem} Run: python manage.py collectstatic --no-input" if problem else "",
        )
        return HttpResponseServerError(PLAIN_500)
