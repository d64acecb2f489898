"""Vietnamese text normalisation for search: lower case, no diacritics, đ → d, single spaces.

A normalised copy of searchable text is stored on the models, so that SQLite and PostgreSQL
match alike (`dang ky thuong tru` finds `Đăng ký thường trú`).
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics, `đ` as `d`, punctuation as spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFD", text.replace("Đ", "d").replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
