"""The deploy/ folder and the gunicorn configuration agree with the application."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def test_nginx_refuses_bodies_just_over_what_the_application_accepts():
    from trekkportal.submissions.views import BODY_MARGIN

    site = (DEPLOY / "nginx" / "trekkportal.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit, "client_max_body_size missing"
    assert int(limit.group(1)) * 1024 * 1024 == settings.SUBMISSION_MAX_TOTAL_SIZE + BODY_MARGIN
    assert "error_page 413 /for-stor/;" in site


def test_nginx_sets_forwarded_headers_itself():
    proxy = (DEPLOY / "nginx" / "trekkportal-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy  # set, not appended
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy
    assert "proxy_add_x_forwarded_for" not in proxy


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_page_for_a_request_over_the_limit_is_the_portals_with_status_413(
    client, employer_a, logged_in
):
    if logged_in:
        client.force_login(employer_a)  # even before the NDA
    response = client.get(reverse("request_too_large"))
    body = response.content.decode()
    assert response.status_code == 413
    assert "Filene er for store" in body
    assert "50,0 MB" in body or "50 MB" in body


def test_gunicorn_takes_its_workers_from_the_cpu_count_and_fits_the_uploads(monkeypatch):
    import importlib
    import multiprocessing

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    monkeypatch.delenv("GUNICORN_KEEPALIVE", raising=False)
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    from trekkportal import gunicorn_conf

    conf = importlib.reload(gunicorn_conf)
    assert conf.workers == multiprocessing.cpu_count() * 2 + 1
    assert conf.wsgi_app == "trekkportal.wsgi:application"
    nginx_timeout = re.search(
        r"proxy_read_timeout (\d+)s", (DEPLOY / "nginx" / "trekkportal-proxy.conf").read_text()
    )
    assert 60 <= conf.timeout < int(nginx_timeout.group(1))
    assert conf.forwarded_allow_ips == "127.0.0.1,::1"
    upstream_idle = re.search(
        r"keepalive_timeout (\d+)s;", (DEPLOY / "nginx" / "trekkportal.conf").read_text()
    )
    assert int(upstream_idle.group(1)) < conf.keepalive  # nginx closes idle connections first
    assert conf.max_requests == 0  # a recycled process drops the POSTs queued on it (a 502)


def test_gunicorn_refuses_to_start_when_a_check_fails(monkeypatch, settings, tmp_path):
    from trekkportal import gunicorn_conf

    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    monkeypatch.setattr("sys.argv", ["gunicorn", "-c", "python:trekkportal.gunicorn_conf"])
    logged = []

    class Log:
        def error(self, message, *args):
            logged.append(message % args)

    class Server:
        log = Log()

    with pytest.raises(SystemExit):
        gunicorn_conf.on_starting(Server())
    assert "collectstatic --no-input" in logged[0]


def test_the_systemd_units_run_the_web_and_the_worker():
    web = (DEPLOY / "systemd" / "trekkportal-web.service").read_text()
    worker = (DEPLOY / "systemd" / "trekkportal-worker@.service").read_text()
    assert "gunicorn -c python:trekkportal.gunicorn_conf" in web
    assert "trekkportal run_worker" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/trekkportal/environment" in unit


def test_the_environment_reference_names_every_setting_read_from_the_environment():
    source = (ROOT / "trekkportal" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\("([A-Z0-9_]+)"', source))
    names -= {"CODE_EMAIL_IN_BACKGROUND"}  # a switch for the tests, not for operators
    reference = (DEPLOY / "environment.example").read_text()
    missing = sorted(name for name in names if f"{name}=" not in reference)
    assert not missing
