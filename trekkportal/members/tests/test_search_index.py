"""The back office's name search has a trigram index on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_name_search_has_a_trigram_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL index (SQLite has none and needs none)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'members_member' "
            "AND indexname = 'members_member_name_key_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition
