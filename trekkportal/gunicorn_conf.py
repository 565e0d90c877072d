"""gunicorn's configuration for Trekkportal: ``gunicorn -c python:trekkportal.gunicorn_conf``.

Every value can be changed from the environment (deploy/environment.example). The web
process refuses to start when Django's system checks find something missing (a static
manifest, the compiled catalogue), with the message saying what to run.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "trekkportal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes from the CPU count; threads so that a slow client does not hold a whole process
# (behind nginx the request body is buffered first, so uploads arrive at loopback speed).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Uploads are at most SUBMISSION_MAX_TOTAL_SIZE (50 MB by default) and are only stored in
# the request (parsing happens in the background worker): storing 50 MB to object storage
# takes seconds. The timeout leaves room for a slow storage without hanging for ever; nginx
# waits a little longer (proxy_read_timeout 150s) so gunicorn's answer is the one seen.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Idle keep-alive connections are cheap with gthread. Longer than nginx keeps its idle
# upstream connections (keepalive_timeout 60s in deploy/nginx/): the side that closes an idle
# connection must be the one that would send on it, or a request races the close and fails
# ("Remote end closed connection" under load).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# No recycling after a number of requests unless asked for: a gthread process that
# restarts itself ("Autorestarting worker after current request") drops the requests already
# waiting on its other keep-alive connections; nginx sends a GET again but not a POST,
# so under load a "Send inn" got a 502 (docs/operations.md, 2026-12-03). Set
# GUNICORN_MAX_REQUESTS only against a known leak, and then expect such errors at each
# restart.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
limit_request_line = 8190
limit_request_fields = 100

# X-Forwarded-* are believed only from the proxy in front (nginx on the same machine).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stderr (journald). The access log has the path without the query string.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "trekkportal-web"


def on_starting(server):
    """Run Django's system checks once before any process starts serving."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    django.setup()
    try:
        call_command("check", fail_level="ERROR")
    except SystemCheckError as exc:
        server.log.error("Trekkportal cannot start:\n%s", exc)
        raise SystemExit(3) from None
