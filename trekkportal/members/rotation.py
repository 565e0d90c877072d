"""Key rotation for stored identity numbers (members and deduction lines).

``rotate_nin_keys`` re-encrypts every token that is not under the current key (the first
of ``NIN_ENCRYPTION_KEYS``), in batches of ``BATCH`` rows, each batch its own transaction:
an interrupted run is finished by running it again, and a second run finds nothing to do.
The rotation, step by step (docs/members.md):

1. put a new key first in ``NIN_ENCRYPTION_KEYS``, keep the old ones after it, restart;
2. ``manage.py rotate_nin_keys``;
3. remove the old keys, restart.

``rehash=True`` also recomputes every keyed hash under the current ``NIN_INDEX_KEY``
(changing the index key): it decrypts every row, so it touches all of them, and look-ups
and matching are wrong until it has finished — run it with the portal stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction

from trekkportal.accounts.models import User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.nincrypt import NinSealer, decrypt_nin, keys, token_key_id

from .models import Member

BATCH = 2000


@dataclass
class RotationSummary:
    members: int = 0  # rows re-encrypted (or re-hashed)
    deduction_lines: int = 0
    current_key: str = ""
    rehashed: bool = False


def _targets() -> list[tuple[str, type[models.Model]]]:
    from trekkportal.submissions.models import DeductionLine

    return [("members", Member), ("deduction_lines", DeductionLine)]


def _rotate_model(model: type[models.Model], *, rehash: bool, sealer: NinSealer) -> int:
    current = sealer.key_id
    rows = model.objects.exclude(nin_encrypted="")
    if not rehash:
        rows = rows.exclude(nin_encrypted__startswith=f"{current}$")
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update()
                .only("pk", "nin_encrypted", "nin_hash")[:BATCH]
            )
            if not batch:
                return done
            for row in batch:
                nin = decrypt_nin(row.nin_encrypted)
                if token_key_id(row.nin_encrypted) != current:
                    row.nin_encrypted = sealer.encrypt(nin)
                if rehash:
                    row.nin_hash = sealer.hash(nin)
            fields = ["nin_encrypted", "nin_hash"] if rehash else ["nin_encrypted"]
            model.objects.bulk_update(batch, fields, batch_size=500)
        done += len(batch)
        last_pk = batch[-1].pk


def rotate_nin_keys(*, acting_user: User | None = None, rehash: bool = False) -> RotationSummary:
    """Re-encrypt every stored identity number under the current key (see the module)."""
    sealer = NinSealer()
    summary = RotationSummary(current_key=keys().current_id, rehashed=rehash)
    for label, model in _targets():
        setattr(summary, label, _rotate_model(model, rehash=rehash, sealer=sealer))
    record(
        AuditAction.NIN_KEYS_ROTATED,
        actor=acting_user,
        key_id=summary.current_key,
        rehashed=rehash,
        members=summary.members,
        deduction_lines=summary.deduction_lines,
    )
    return summary
