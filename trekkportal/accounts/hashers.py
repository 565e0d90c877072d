"""The password hasher: Argon2id with OWASP's recommended parameters.

Django's own Argon2 defaults (100 MiB, 2 passes, 8 lanes) cost about 0.35 s of CPU per
login on this project's 2-core servers; a hundred clerks logging in within a minute on
deadline day then saturate both cores with hashing alone (docs/operations.md, load test).
OWASP's Password Storage Cheat Sheet recommends Argon2id with at least 19 MiB of memory,
2 iterations and 1 degree of parallelism; that is what we use (~0.06 s per login). Every
account also has a second way in that a stolen hash does not give (the one-time code by
e-mail, TOTP for staff), and the hash is upgraded at the next login whenever these
parameters change (``must_update``), in either direction.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    # The algorithm name stays "argon2": hashes made with Django's parameters still verify.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
