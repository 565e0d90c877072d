"""The Norwegian catalogue is complete and compiles."""

from pathlib import Path

import polib
from django.conf import settings


def _catalogues():
    return list(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_bokmal_catalogue():
    assert any(p.parts[-3] == "nb" for p in _catalogues())


def test_every_string_is_translated_and_none_is_fuzzy():
    for path in _catalogues():
        po = polib.pofile(str(path))
        untranslated = [e.msgid for e in po.untranslated_entries()]
        fuzzy = [e.msgid for e in po.fuzzy_entries()]
        assert not untranslated, f"{path}: untranslated {untranslated[:5]}"
        assert not fuzzy, f"{path}: fuzzy {fuzzy[:5]}"


def test_no_msgid_appears_twice():
    for path in _catalogues():
        ids = [(e.msgctxt, e.msgid) for e in polib.pofile(str(path))]
        assert len(ids) == len(set(ids))


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)s|\{\w+\}")
    for path in _catalogues():
        for entry in polib.pofile(str(path)).translated_entries():
            wanted = sorted(set(pattern.findall(entry.msgid + (entry.msgid_plural or ""))))
            translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            for text in translations:
                assert sorted(set(pattern.findall(text))) <= wanted, entry.msgid
                assert pattern.findall(text) or not wanted, entry.msgid


def test_the_committed_compiled_catalogue_matches_the_po_file():
    """The .mo ships in the package (a `pip install` has no compile step): it must hold
    exactly the .po's translations. After editing the .po, run `python3 dev.py messages`
    and commit the .mo too."""
    for path in _catalogues():
        mo_path = path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run python3 dev.py messages"
        wanted = {
            (e.msgctxt, e.msgid): (e.msgstr_plural and dict(e.msgstr_plural)) or e.msgstr
            for e in polib.pofile(str(path)).translated_entries()
        }
        compiled = {
            (e.msgctxt, e.msgid): (e.msgstr_plural and dict(e.msgstr_plural)) or e.msgstr
            for e in polib.mofile(str(mo_path))
            if e.msgid  # the header entry
        }
        assert compiled == wanted, f"{mo_path} is out of date: run python3 dev.py messages"
