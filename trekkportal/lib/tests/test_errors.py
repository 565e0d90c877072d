"""What a failed job leaves in ``last_error`` (jobs and outbox rows, the admin, the log)."""

import pytest

from trekkportal.lib.errors import safe_error


@pytest.mark.parametrize(
    "text",
    [
        "duplicate key (nin)=(01019012345)",
        "row 4: 010190 12345 is not valid",
        "row 4: 010190-12345 is not valid",
        "row 4: 010190.12345 is not valid",
        "leading zero dropped: 1019012345",
    ],
)
def test_it_masks_identity_numbers_however_they_are_written(text):
    error = safe_error(ValueError(text))

    assert "12345" not in error
    assert error.startswith("ValueError: ")


@pytest.mark.parametrize(
    "text",
    ["orgnr 923609016", "phone 22334455", "job 12 took 30 s", "at 2026-11-27 19:42:27"],
)
def test_it_keeps_other_numbers_readable(text):
    assert safe_error(ValueError(text)) == f"ValueError: {text}"


def test_it_is_bounded():
    assert len(safe_error(ValueError("x" * 10_000))) == 2000


def test_it_keeps_only_the_first_line_so_a_database_error_leaks_no_row():
    from django.db import IntegrityError

    error = safe_error(
        IntegrityError(
            'null value in column "amount_ore" of relation "submissions_line" violates '
            "not-null constraint\nDETAIL:  Failing row contains (7, 3, Ola Nordmann, null)."
        )
    )

    assert error == (
        'IntegrityError: null value in column "amount_ore" of relation "submissions_line" '
        "violates not-null constraint"
    )
