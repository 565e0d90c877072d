"""purge_expired: letters after six months, received lists after RETENTION_YEARS; audited
with counts, idempotent, and a file that cannot be deleted is retried, never half-deleted."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.queue import scheduled_jobs
from trekkportal.letters.models import Letter, LetterBatch, LetterChange
from trekkportal.letters.retention import purge_expired, registered_purges
from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile

from .helpers import make_letter

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


def at(year, month, day):
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def counts(name):
    return AuditEvent.objects.filter(action="retention.purged", data__purge=name).last().data


def test_letters_older_than_six_months_go_with_their_files(company_a, company_b):
    old = make_letter(company_a, created=at(2026, 5, 19))
    kept = make_letter(company_b, created=at(2026, 5, 21))

    results = purge_expired()

    assert results["letters"] == {"letters": 1, "retry": 0, "drafts_discarded": 0}
    assert list(Letter.objects.all()) == [kept]
    assert not default_storage.exists(old.storage_name)
    assert default_storage.exists(kept.storage_name)
    assert counts("letters") == {
        "purge": "letters",
        "letters": 1,
        "retry": 0,
        "drafts_discarded": 0,
    }


def test_the_purge_is_idempotent(company_a):
    make_letter(company_a, created=at(2026, 1, 1))
    purge_expired()

    results = purge_expired()

    assert results["letters"]["letters"] == 0
    assert AuditEvent.objects.filter(action="retention.purged", data__purge="letters").count() == 2


def test_a_file_that_cannot_be_deleted_keeps_its_row_and_is_retried(company_a, monkeypatch):
    letter = make_letter(company_a, created=at(2026, 1, 1))

    def refuse(self, name):
        raise PermissionError("read-only file system")

    with monkeypatch.context() as patch:
        patch.setattr(FileSystemStorage, "delete", refuse)
        first = purge_expired()
    assert first["letters"] == {"letters": 0, "retry": 1, "drafts_discarded": 0}
    assert Letter.objects.filter(pk=letter.pk).exists()

    second = purge_expired()
    assert second["letters"]["letters"] == 1
    assert not Letter.objects.exists() and not default_storage.exists(letter.storage_name)


def test_a_letter_whose_file_is_already_gone_is_still_purged(company_a):
    letter = make_letter(company_a, created=at(2026, 1, 1))
    default_storage.delete(letter.storage_name)

    assert purge_expired()["letters"]["letters"] == 1


def test_a_purged_letters_member_changes_are_never_sent_again(company_a):
    from trekkportal.letters.services import publish_batch, run_letter_batch
    from trekkportal.lib.identity import make_valid_nin
    from trekkportal.lib.periods import Period
    from trekkportal.members import services as members

    person = members.register_member(nin=make_valid_nin(dt.date(1980, 2, 3)), name="Ås, Per")
    members.start_employment(member=person, company=company_a, from_period=Period(2026, 1))
    with time_machine.travel(at(2026, 1, 5), tick=False):
        batch = publish_batch(batch=run_letter_batch(acting_user=None), acting_user=None)

    purge_expired()

    assert not Letter.objects.exists()
    assert LetterChange.objects.get().batch == batch  # still taken
    assert run_letter_batch(acting_user=None) is None


def test_a_draft_left_for_six_months_is_discarded_and_gives_its_changes_back(company_a):
    from trekkportal.letters.services import run_letter_batch
    from trekkportal.lib.identity import make_valid_nin
    from trekkportal.lib.periods import Period
    from trekkportal.members import services as members

    person = members.register_member(nin=make_valid_nin(dt.date(1980, 2, 3)), name="Ås, Per")
    members.start_employment(member=person, company=company_a, from_period=Period(2026, 1))
    with time_machine.travel(at(2026, 1, 5), tick=False):
        draft = run_letter_batch(acting_user=None)

    assert purge_expired()["letters"]["drafts_discarded"] == 1

    draft.refresh_from_db()
    assert draft.state == LetterBatch.State.DISCARDED
    assert run_letter_batch(acting_user=None) is not None


def stored_submission(company, *, submitted):
    submission = Submission.objects.create(
        company=company, period=dt.date(2021, 1, 1), contact_email="a@b.no", submitted_at=submitted
    )
    name = default_storage.save("submissions/x.csv", ContentFile(b"Fnr;Trekk\r\n"))
    stored = SubmittedFile.objects.create(
        submission=submission,
        original_name="liste.csv",
        storage_name=name,
        kind="csv",
        size=11,
        sha256="0" * 64,
    )
    for row in (2, 3):
        DeductionLine.objects.create(submitted_file=stored, row=row, name="Ås, Per", valid=True)
    return submission, stored


def test_received_lists_go_with_their_lines_after_the_retention_years(company_a, settings):
    settings.RETENTION_YEARS = 5
    _old, old_file = stored_submission(company_a, submitted=at(2021, 11, 19))
    kept, kept_file = stored_submission(company_a, submitted=at(2021, 11, 21))

    results = purge_expired()

    assert results["submissions"] == {"submissions": 1, "files": 1, "lines": 2, "retry": 0}
    assert list(Submission.objects.all()) == [kept]
    assert not default_storage.exists(old_file.storage_name)
    assert default_storage.exists(kept_file.storage_name)
    assert DeductionLine.objects.filter(submitted_file=kept_file).count() == 2
    assert counts("submissions")["lines"] == 2
    assert purge_expired()["submissions"]["submissions"] == 0  # idempotent


def test_retention_years_is_a_setting(company_a, settings):
    settings.RETENTION_YEARS = 1
    stored_submission(company_a, submitted=at(2025, 11, 1))

    assert purge_expired()["submissions"]["submissions"] == 1


def test_a_list_file_that_cannot_be_deleted_keeps_its_submission(company_a, monkeypatch):
    _submission, stored = stored_submission(company_a, submitted=at(2019, 1, 1))

    def refuse(self, name):
        raise OSError("device busy")

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)

    result = purge_expired()["submissions"]

    assert result == {"submissions": 0, "files": 0, "lines": 0, "retry": 1}
    assert SubmittedFile.objects.filter(pk=stored.pk).exists()
    assert DeductionLine.objects.filter(submitted_file=stored).count() == 2


def test_each_app_registers_its_purge():
    assert {"letters", "submissions"} <= set(registered_purges())


def test_a_failing_purge_does_not_stop_the_others(company_a, monkeypatch):
    from trekkportal.letters import retention

    make_letter(company_a, created=at(2026, 1, 1))
    registered_purges()
    monkeypatch.setitem(retention._PURGES, "broken", lambda *, now: 1 / 0)

    with pytest.raises(retention.PurgeFailed) as failure:
        purge_expired()

    assert failure.value.failed == ["broken"]
    assert not Letter.objects.exists()


def test_the_command_purges_and_prints_the_counts(company_a, capsys):
    make_letter(company_a, created=at(2026, 1, 1))

    call_command("purge_expired")

    out = capsys.readouterr().out
    assert "letters: letters=1, retry=0" in out
    assert "submissions: submissions=0" in out


def test_the_worker_runs_the_purge_every_night(company_a):
    from trekkportal.jobs.queue import autodiscover
    from trekkportal.jobs.worker import run_pending

    autodiscover()
    purge = next(job for job in scheduled_jobs() if job.schedule.name == "purge_expired")
    make_letter(company_a, created=at(2026, 1, 1))

    purge.enqueue()
    run_pending()

    assert not Letter.objects.exists()
