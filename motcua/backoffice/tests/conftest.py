"""Fixtures of the back-office tests: the dossiers app's test province (real services) and a
client signed in as any of its people."""

import re
from html.parser import HTMLParser

import pytest

from motcua.dossiers.tests import factories as f


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture
def as_user(client):
    """`as_user(user)` → the test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


class _Fields(HTMLParser):
    """Form controls and labels of a page, to check that every control is labelled."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if attrs.get("type") in ("hidden", "submit", "button", "reset"):
                return
            self.controls.append({**attrs, "_tag": tag, "_in_label": self._label_depth > 0})

    def handle_endtag(self, tag):
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def unlabelled_controls(html: str) -> list[str]:
    parser = _Fields()
    parser.feed(html)
    missing = []
    for control in parser.controls:
        named = (
            control["_in_label"]
            or control.get("id") in parser.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        if not named:
            missing.append(f"{control['_tag']} name={control.get('name')} id={control.get('id')}")
    return missing


def no_inline_code(html: str) -> bool:
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    return (
        all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
        and "style=" not in html
        and "<style" not in html
        and " hx-on" not in html
    )
