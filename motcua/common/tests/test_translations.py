"""The English catalogue: complete, not fuzzy, compiled .mo in sync with the .po.

Vietnamese is the source language (msgids); English is the translation in
motcua/locale/en/LC_MESSAGES/django.po, compiled to django.mo (both committed).
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), token[1:-1])


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for makemessages output (obsolete #~ entries are skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if current is not None and target is not None:
                finish()
            current = current or Entry(number)
            current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            text = _unquote(line)
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, kind, getattr(current, kind) + text)
            continue
        keyword, _, rest = line.partition(" ")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid") and current is not None and target is not None:
            if target[0] == "msgstr":  # a new entry starts without a blank line in between
                finish()
        current = current or Entry(number)
        if match:
            index = int(match.group(1))
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """Every real message (the header entry, msgid "", left out)."""
    return [e for e in po_entries if e.msgid != ""]


def test_catalogue_is_not_empty(messages):
    assert len(messages) > 100
    assert len({e.key for e in messages}) == len(messages), "duplicate msgids in the .po"


def test_header_is_final(po_entries):
    header = next(e for e in po_entries if e.msgid == "")
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_message_is_translated(messages):
    untranslated = [
        e.msgid
        for e in messages
        if not e.msgstr
        or any(not text.strip() for text in e.msgstr.values())
        or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])
    ]
    assert untranslated == []


def test_no_fuzzy_entries(messages):
    assert [e.msgid for e in messages if "fuzzy" in e.flags] == []


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdr]|\{\w*\}|</?\w+[^>]*>")


def test_placeholders_are_kept(messages):
    """%(name)s, %s, {name} and HTML tags survive translation (msgfmt --check covers only some)."""
    broken = []
    for e in messages:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for index, text in e.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                broken.append((e.msgid, index, text))
    assert broken == []


def test_mo_is_in_sync_with_po(messages):
    with MO_PATH.open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    catalog = mo._catalog  # no public API lists the keys of a GNUTranslations
    expected = {}
    for e in messages:
        if e.msgid_plural is None:
            expected[e.key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                expected[(e.key, index)] = text
    actual = {key: value for key, value in catalog.items() if key != ""}
    stale = {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
    assert stale == {}, "django.mo is stale: run compilemessages"
    assert set(actual) == set(expected), "django.mo has messages that are not in django.po"
    for e in messages:
        if e.msgid_plural is not None and e.msgctxt is None:
            assert mo.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0]
            assert mo.ngettext(e.msgid, e.msgid_plural, 5) == e.msgstr[1]


@pytest.mark.parametrize(
    ("vietnamese", "english"),
    [
        ("Cổng dịch vụ hành chính công", "Public service portal"),
        ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
        ("Tiếng Việt", "Vietnamese"),
        ("Tiếng Anh", "English"),
        ("Ngôn ngữ", "Language"),
        ("Đổi", "Change"),
    ],
)
def test_key_strings_in_english(vietnamese, english):
    with translation.override("en"):
        assert translation.gettext(vietnamese) == english
    with translation.override("vi"):
        assert translation.gettext(vietnamese) == vietnamese


def test_plural_in_english():
    with translation.override("en"):
        one = translation.ngettext("%(counter)s thủ tục", "%(counter)s thủ tục", 1)
        many = translation.ngettext("%(counter)s thủ tục", "%(counter)s thủ tục", 3)
    assert one % {"counter": 1} == "1 procedure"
    assert many % {"counter": 3} == "3 procedures"
