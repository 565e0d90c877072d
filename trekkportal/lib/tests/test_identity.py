"""Table-driven tests for national identity numbers and organisation numbers."""

import datetime as dt

import pytest

from trekkportal.lib.identity import (
    K1_WEIGHTS,
    InvalidNin,
    NinError,
    NinKind,
    is_valid_nin,
    is_valid_orgnr,
    make_2032_nin,
    make_nin,
    make_orgnr,
    make_valid_nin,
    make_valid_orgnr,
    mask_nin,
    parse_nin,
    restore_leading_zero,
)


def _new_rule_only(first9: str) -> str:
    """A number whose k1 is valid by the 2032 rule but not by the old one: an oracle
    written from the rule itself, independent of the module under test."""
    s = sum(int(d) * w for d, w in zip(first9, K1_WEIGHTS, strict=True)) % 11
    old = (11 - s) % 11
    for base in (12, 13, 14):
        k1 = (base - s) % 11
        if k1 <= 9 and k1 != old:
            ten = first9 + str(k1)
            weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
            k2 = (11 - sum(int(d) * w for d, w in zip(ten, weights, strict=True)) % 11) % 11
            if k2 != 10:
                return ten + str(k2)
    raise AssertionError("no new-rule number for " + first9)


@pytest.mark.parametrize(
    ("first9", "kind", "birth_date"),
    [
        ("010190123", NinKind.FNR, dt.date(1990, 1, 1)),
        ("311299456", NinKind.FNR, dt.date(1999, 12, 31)),
        ("150505512", NinKind.FNR, dt.date(2005, 5, 15)),  # individual 512, yy 05 -> 2000s
        ("290260910", NinKind.FNR, dt.date(1960, 2, 29)),  # 900-999, yy >= 40 -> 1900s
        ("410190123", NinKind.DNR, dt.date(1990, 1, 1)),  # D-number: day + 40
        ("014190123", NinKind.HNR, dt.date(1990, 1, 1)),  # H-number: month + 40
        ("018190123", NinKind.SYNTHETIC, dt.date(1990, 1, 1)),  # synthetic: month + 80
        ("418190123", NinKind.DNR, dt.date(1990, 1, 1)),  # synthetic D-number
        ("010140123", NinKind.FNR, dt.date(1940, 1, 1)),
        ("010130523", NinKind.FNR, dt.date(2030, 1, 1)),  # future-looking dates are fine
    ],
)
def test_it_accepts_valid_numbers_and_reads_the_birth_date(first9, kind, birth_date):
    number = next(n for i in range(10) if (n := make_nin(first9[:-1] + str(i))))
    nin = parse_nin(number)
    assert nin.kind is kind
    assert nin.birth_date == birth_date
    assert nin.new_rule is False


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", NinError.LENGTH),
        ("0101901234", NinError.LENGTH),
        ("010190123456", NinError.LENGTH),
        ("0101901234x", NinError.NOT_DIGITS),
        ("０１０１９０１２３４５", NinError.NOT_DIGITS),  # full-width digits
        ("320190123", NinError.DATE),  # day 32
        ("310290123", NinError.DATE),  # 31 February
        ("011390123", NinError.DATE),  # month 13
        ("010150623", NinError.DATE),  # individual 623 with yy 50: no century
    ],
)
def test_it_refuses_malformed_numbers_with_a_reason(raw, reason):
    number = raw
    if len(raw) == 9 and raw.isdigit():
        number = next(n for i in range(10) if (n := make_nin(raw[:-1] + str(i))))
    with pytest.raises(InvalidNin) as err:
        parse_nin(number)
    assert err.value.reason is reason


def test_it_refuses_a_wrong_check_digit():
    good = make_valid_nin(dt.date(1990, 1, 1))
    for bad_k2 in {str((int(good[10]) + n) % 10) for n in range(1, 10)}:
        assert not is_valid_nin(good[:10] + bad_k2)


def test_it_accepts_numbers_by_the_2032_rule_without_a_birth_date():
    number = _new_rule_only("010190123")
    nin = parse_nin(number)
    assert nin.new_rule is True
    assert nin.birth_date is None


def test_a_2032_number_need_not_start_with_a_date():
    number = _new_rule_only("999999123")
    assert parse_nin(number).birth_date is None


def test_it_accepts_spaces_and_dashes():
    number = make_valid_nin(dt.date(1990, 1, 1))
    assert is_valid_nin(f"{number[:6]} {number[6:]}")
    assert is_valid_nin(f"{number[:6]}-{number[6:]}")


def test_it_restores_a_leading_zero_excel_dropped():
    number = make_valid_nin(dt.date(1990, 1, 5))
    assert number.startswith("0")
    assert restore_leading_zero(number[1:]) == (number, True)
    assert restore_leading_zero(float(number[1:])) == (number, True)
    assert restore_leading_zero(number) == (number, False)


def test_it_does_not_invent_a_leading_zero_for_an_invalid_number():
    assert restore_leading_zero("1234567890") == ("1234567890", False)


def test_a_masked_number_keeps_only_the_date_part():
    assert mask_nin("01019012345") == "010190*****"
    assert "12345" not in mask_nin("010190 12345")


@pytest.mark.parametrize(
    ("orgnr", "valid"),
    [
        ("974760673", True),  # Brønnøysundregistrene
        ("923609016", True),  # Equinor
        ("974 760 673", True),
        ("NO974760673MVA", True),
        ("974760674", False),
        ("97476067", False),
        ("9747606731", False),
        ("97476067a", False),
        ("", False),
    ],
)
def test_orgnr_validation(orgnr, valid):
    assert is_valid_orgnr(orgnr) is valid


def test_make_orgnr_makes_valid_numbers():
    for first8 in ("91234567", "81000000", "99999999"):
        orgnr = make_orgnr(first8)
        if orgnr is not None:
            assert is_valid_orgnr(orgnr)


@pytest.mark.parametrize("kind", list(NinKind))
def test_generated_numbers_of_every_kind_are_valid(kind):
    nin = parse_nin(make_valid_nin(dt.date(2001, 7, 9), kind=kind))
    assert nin.kind is kind
    assert nin.birth_date == dt.date(2001, 7, 9)


@pytest.mark.parametrize("first9", ["010190123", "999999123", "010190512", "000000000"])
def test_make_2032_nin_makes_numbers_valid_only_by_the_new_rule(first9):
    number = make_2032_nin(first9)
    assert parse_nin(number).new_rule is True


def test_make_valid_orgnr_finds_the_next_valid_number():
    orgnr = make_valid_orgnr(91100001)
    assert is_valid_orgnr(orgnr)
    assert orgnr.startswith("911000")
