"""The checks the browser tests rely on do catch what they are for: axe's serious violations and
contrast, fields without a label, sideways scrolling on a phone, and CSP violations outside
screenshots."""

import re

import pytest

from .conftest import check_accessibility, watch_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE = """<!DOCTYPE html><html lang="vi"><head><title>Kiểm tra</title>
<style>.faint {{ color: #bbb; background: #fff; }} .wide {{ width: 900px; }}</style></head>
<body><main><h1>Kiểm tra</h1>{body}</main></body></html>"""


@pytest.fixture
def blank(browse, axe_script):
    """A page of our own (no CSP), where axe is injected as on the app's pages."""
    return browse()


def test_a_field_without_a_label_fails(blank, live_server):
    blank.set_content(PAGE.format(body='<label for="a">Họ tên</label><input id="a"><input id="b">'))
    with pytest.raises(AssertionError, match=r'fields without a label:\s+<input id="b">'):
        check_accessibility(blank, live_server.url, "check-label")


def test_poor_contrast_is_a_serious_violation(blank, live_server):
    blank.set_content(PAGE.format(body='<p class="faint">Chữ mờ khó đọc</p>'))
    with pytest.raises(AssertionError, match=r"\[serious\] color-contrast") as failure:
        check_accessibility(blank, live_server.url, "check-contrast")
    assert ".faint" in str(failure.value) or "Chữ mờ" in str(failure.value)


def test_a_page_wider_than_the_phone_fails(blank, live_server):
    blank.set_content(PAGE.format(body='<p class="wide">Một dòng rất rộng</p>'))
    with pytest.raises(AssertionError, match="wider than the phone's screen"):
        check_accessibility(blank, live_server.url, "check-reflow")


def test_a_clean_page_passes(blank, live_server):
    blank.set_content(PAGE.format(body='<label for="a">Họ tên</label><input id="a">'))
    check_accessibility(blank, live_server.url, "check-clean")


def test_csp_violations_fail_except_during_screenshots(browse, live_server):
    page = browse()
    page.goto(live_server.url + "/")
    watch = watch_of(page)
    inline_style = "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
    with watch.paused():
        page.evaluate(inline_style)
    watch.assert_clean()

    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(inline_style)
    with pytest.raises(AssertionError, match=re.escape("CSP violation on")):
        watch.assert_clean()
