"""Names for matching: "Øvrebø, Kari Anne" and "KARI ANNE OVREBO" are the same person."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "đ": "d", "ł": "l"})
_WORD = re.compile(r"[a-z0-9]+")


def name_words(name: str) -> list[str]:
    """Lower-case, accents folded, punctuation dropped; the words in their order."""
    if name.isascii():  # nothing to normalise or fold (the same result, much faster)
        return _WORD.findall(name.lower())
    text = unicodedata.normalize("NFKC", name).lower().translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORD.findall(text)


def name_key(name: str) -> str:
    """The words of a name, sorted: the order ("Etternavn, Fornavn") no longer matters."""
    return " ".join(sorted(name_words(name)))
