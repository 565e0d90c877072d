"""Identity numbers at rest: encrypted with a key id, hashed with a separate key."""

import pytest
from django.core.checks import run_checks

from trekkportal.lib import nincrypt
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.nincrypt import (
    NinKeyError,
    decrypt_nin,
    encrypt_nin,
    generate_key,
    nin_hash,
    token_key_id,
)

NIN = make_valid_nin(__import__("datetime").date(1985, 3, 14))


@pytest.fixture
def real_keys(settings):
    old, new, index = generate_key(), generate_key(), generate_key()
    settings.NIN_ENCRYPTION_KEYS = f"k1:{old}"
    settings.NIN_INDEX_KEY = index
    return {"old": old, "new": new, "index": index}


def test_a_number_survives_encryption_and_the_token_does_not_contain_it():
    token = encrypt_nin(NIN)
    assert NIN not in token and decrypt_nin(token) == NIN


def test_the_same_number_encrypts_differently_each_time_but_hashes_the_same():
    assert encrypt_nin(NIN) != encrypt_nin(NIN)
    assert nin_hash(NIN) == nin_hash(NIN) and len(nin_hash(NIN)) == 64
    assert nin_hash(NIN) != nin_hash(make_valid_nin(__import__("datetime").date(1985, 3, 15)))


def test_without_configured_keys_development_keys_are_derived_and_announced():
    assert nincrypt.keys_are_derived()
    assert token_key_id(encrypt_nin(NIN)) == nincrypt.DEVELOPMENT_KEY_ID


def test_the_first_key_encrypts_and_older_keys_still_decrypt(settings, real_keys):
    under_old = encrypt_nin(NIN)
    settings.NIN_ENCRYPTION_KEYS = f"k2:{real_keys['new']},k1:{real_keys['old']}"
    assert token_key_id(encrypt_nin(NIN)) == "k2"
    assert decrypt_nin(under_old) == NIN
    assert not nincrypt.keys_are_derived()


def test_a_token_under_a_removed_key_is_refused(settings, real_keys):
    token = encrypt_nin(NIN)
    settings.NIN_ENCRYPTION_KEYS = f"k2:{real_keys['new']}"
    with pytest.raises(NinKeyError):
        decrypt_nin(token)


def test_a_token_moved_to_another_key_id_fails_authentication(settings, real_keys):
    from cryptography.exceptions import InvalidTag

    token = encrypt_nin(NIN)
    settings.NIN_ENCRYPTION_KEYS = f"k1:{real_keys['old']},k9:{real_keys['old']}"
    with pytest.raises(InvalidTag):
        decrypt_nin("k9$" + token.partition("$")[2])


def test_the_hash_depends_on_the_index_key(settings, real_keys):
    before = nin_hash(NIN)
    settings.NIN_INDEX_KEY = generate_key()
    assert nin_hash(NIN) != before


@pytest.mark.parametrize(
    ("keys", "index"),
    [
        ("k1:short", "x" * 44),
        ("no-colon", generate_key()),
        (f"k1:{generate_key()}", ""),
        (f"k1:{generate_key()},k1:{generate_key()}", generate_key()),
    ],
    # Stable ids (the keys are random): pytest-xdist's workers must collect the same tests.
    ids=["short-key", "no-key-id", "no-index-key", "key-id-twice"],
)
def test_malformed_keys_fail_the_system_checks(settings, keys, index):
    settings.NIN_ENCRYPTION_KEYS, settings.NIN_INDEX_KEY = keys, index
    assert "trekkportal.E001" in [m.id for m in run_checks()]


def test_the_deploy_check_warns_while_development_keys_are_in_use(settings, real_keys):
    assert "trekkportal.W004" not in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.NIN_ENCRYPTION_KEYS = settings.NIN_INDEX_KEY = ""
    assert "trekkportal.W004" in [m.id for m in run_checks(include_deployment_checks=True)]
