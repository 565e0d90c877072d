"""/healthz for load balancers and `status` for operators."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from trekkportal.jobs.models import Job


def test_a_healthy_instance_answers_200_with_the_checks_only(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "queue": "ok"},
    }


def test_it_tells_no_version_and_no_data(client, db, company_a):
    response = client.get("/healthz")
    body = response.content.decode()
    assert "Server" not in response.headers or "trekkportal" not in response["Server"].lower()
    assert company_a.name not in body and company_a.orgnr not in body
    assert "0.1" not in body and "django" not in body.lower() and "sqlite" not in body.lower()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_queue_nobody_works_on_fails_the_check(client, db, settings):
    settings.HEALTH_MAX_QUEUE_LAG_SECONDS = 300
    Job.objects.create(name="x", run_after=timezone.now() - dt.timedelta(minutes=6))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["queue"] == "fail"


def test_a_job_due_later_is_no_lag(client, db):
    Job.objects.create(name="x", run_after=timezone.now() + dt.timedelta(hours=1))
    assert client.get("/healthz").status_code == 200


def test_a_broken_cache_fails_the_check(client, db, monkeypatch):
    from trekkportal.portal import health

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(health.cache, "set", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["cache"] == "fail"
    assert "redis" not in response.content.decode()


def test_an_unwritable_media_root_fails_the_storage_check(client, db, monkeypatch):
    from trekkportal.portal import health

    monkeypatch.setattr(health.os, "access", lambda path, mode: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"] == "fail"


def test_a_logged_in_user_before_the_nda_gets_the_health_check_too(client, employer_a):
    client.force_login(employer_a)
    assert client.get("/healthz").status_code == 200


def test_status_prints_each_check_with_its_reason(db):
    out = StringIO()
    Job.objects.create(name="x", status=Job.Status.FAILED)
    call_command("status", stdout=out)
    text = out.getvalue()
    for line in ("database    ok", "cache       ok", "storage     ok", "queue       ok"):
        assert line in text
    assert "1 failed" in text
    assert "migrations  ok" in text


def test_status_fails_when_a_check_fails(db, settings):
    Job.objects.create(name="x", run_after=timezone.now() - dt.timedelta(hours=1))
    out = StringIO()
    with pytest.raises(CommandError, match="queue"):
        call_command("status", stdout=out)
    assert "queue       FAIL oldest due job waits" in out.getvalue()
