"""Background work for submissions, run by ``manage.py run_worker``."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage

from trekkportal.jobs.queue import Daily, current_job, job, on_worker_start

from .bulk import PreparedLines
from .models import SubmittedFile
from .parsers.model import ParseFailure
from .parsers.sandbox import SERVER as PARSER_SERVER
from .services import company_mappings, record_parse_result
from .storage import sweep_orphan_files

logger = logging.getLogger(__name__)


@on_worker_start
def start_parser() -> None:
    """The sandboxed parser's fork server, started before the first file arrives."""
    PARSER_SERVER.start()


@job(schedule=Daily("sweep_orphan_files", at="04:00"), max_attempts=3)
def sweep_orphan_submission_files() -> None:
    """Files written by a submission that crashed before its rows were committed."""
    deleted = sweep_orphan_files()
    logger.info("swept %d orphan submission file(s)", len(deleted))


def _could_not_be_read(*, submitted_file_id: int) -> None:
    """The parse job gave up (its worker died on the last try): "Kunne ikke leses", not
    "Leses inn" for ever. The stored file stays, for staff."""
    submitted_file = SubmittedFile.objects.filter(pk=submitted_file_id).first()
    if submitted_file is not None and submitted_file.state != SubmittedFile.State.DONE:
        record_parse_result(submitted_file=submitted_file, parsed=ParseFailure("crashed"))


@job(max_attempts=3, on_give_up=_could_not_be_read)
def parse_submitted_file(*, submitted_file_id: int) -> None:
    """Read one stored file in the parser's sandbox and record the result. Idempotent."""
    from trekkportal.submissions.parsers import parse_safely

    submitted_file = SubmittedFile.objects.filter(pk=submitted_file_id).first()
    if submitted_file is None or submitted_file.state == SubmittedFile.State.DONE:
        return  # read already (this job ran before, say in a worker killed afterwards)
    files = SubmittedFile.objects.filter(pk=submitted_file_id)
    files.update(state=SubmittedFile.State.PARSING)
    mappings = company_mappings(submitted_file.submission.company_id)
    try:
        # Its lines are prepared for the database while the sandbox reads on.
        prepared = PreparedLines(submitted_file.pk)
        with local_copy(submitted_file.storage_name) as path:
            result = parse_safely(
                path, submitted_file.original_name, mappings=mappings, on_lines=prepared.add
            )
        record_parse_result(submitted_file=submitted_file, parsed=result, prepared=prepared)
    except Exception:
        running = current_job()
        if running is None or running.attempts >= running.max_attempts:
            # The last try: say so ("Kunne ikke leses") instead of "Mottatt" for ever;
            # the failed job row keeps the error for staff.
            record_parse_result(submitted_file=submitted_file, parsed=ParseFailure("crashed"))
        else:
            files.update(state=SubmittedFile.State.RECEIVED)  # honest while the job retries
        raise


@contextmanager
def local_copy(storage_name: str) -> Iterator[str]:
    """A path to the stored file: the file itself on local storage, a temporary copy
    otherwise (S3)."""
    try:
        path = default_storage.path(storage_name)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=Path(storage_name).suffix) as copy:
        with default_storage.open(storage_name, "rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield copy.name
