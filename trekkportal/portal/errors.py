"""Error pages in the portal's own look, with no stack trace or personal data (F4)."""

from django.shortcuts import render


def _page(request, status: int):
    return render(request, "errors/error.html", {"status": status}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400)


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token: most often a page left open across a login
    or logout. Our page and words instead of Django's technical one (whose <style> block
    our CSP blocks anyway); the reason stays out of the page."""
    return render(request, "errors/error.html", {"status": 403, "csrf": True}, status=403)


def server_error(request):
    # Rendered without the request context: the error may come from a context processor.
    from django.http import HttpResponseServerError
    from django.template.loader import get_template

    return HttpResponseServerError(get_template("errors/500.html").render())
