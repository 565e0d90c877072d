"""Only local paths are followed as `next` (what an external scan found, table-driven)."""

import pytest

from trekkportal.lib.redirects import local_path


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/innsending/",
        "/innsendte/?side=2",
        "/brev/#top",
        "/s%C3%B8k/",
    ],
)
def test_it_accepts_a_local_path(value):
    assert local_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "id",  # taken for a URL name by redirect(): a 500 before
        "x",
        "portal:home",
        "innsending/",
        "../admin/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/innsending/\r\nSet-Cookie: x=1",
        "/\x00",
        "/" + "a" * 2001,
        ["/innsending/"],
    ],
)
def test_it_refuses_anything_else(value):
    assert local_path(value) is None
