"""Browser tests: Playwright drives Debian's /usr/bin/chromium headless against a live server.

What every test gets from here (docs/e2e.md):

- `browse(username=None)`: a page in a browser context of its own (one per person: cookies are
  never shared), signed in when a username is given; its console is watched for Content Security
  Policy violations and page errors, which fail the test.
- `screenshot(name, page=None)`: the page at phone (390×844) and desktop (1366×900) widths under
  test-artifacts/screenshots/.
- `audit(page, name)`: no CSP violation so far, screenshots, axe-core at both widths (no
  serious or critical violation, colour contrast checked), a <label> for every form field and no
  sideways scrolling on a phone; the axe results are kept under test-artifacts/axe/.
- `demo`: the demo province (`motcua.demo.load_demo`), loaded for the test.
- `files`: a tiny valid PDF and PNG.
"""

import json
import os
import re
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_RESULTS = ARTIFACTS / "axe"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
WIDTHS = (("phone", PHONE), ("desktop", DESKTOP))

# axe-core comes from the npm registry through `make test` (the Makefile's AXE_JS target, which
# pins the same version: change both together).
AXE_VERSION = "4.14.1"
AXE_JS = ROOT / "var" / "npm" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
# The app's CSP allows only its own scripts (script-src 'self'), so axe is injected as a script
# of the page's origin whose request Playwright answers from the file: it never reaches the app,
# and the CSP stays on (an inline <script>, what add_script_tag(path=...) makes, is refused).
AXE_PATH = "/__e2e__/axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

DEMO_PASSWORD = "demo"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


# --- console watch ---------------------------------------------------------------------------


class ConsoleWatch:
    """Collects the page's CSP violations and uncaught errors, except while paused.

    Taking a screenshot may make Chromium report a CSP violation of its own (Playwright's
    helper styles), so screenshots run paused; navigation and every action do not."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self._paused = 0
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message):
        if self._paused or "Content Security Policy" not in message.text:
            return
        where = message.location.get("url") or self.page.url
        self.problems.append(f"CSP violation on {where}: {message.text}")

    def _on_page_error(self, error):
        if not self._paused:
            self.problems.append(f"JavaScript error on {self.page.url}: {error}")

    @contextmanager
    def paused(self):
        self._paused += 1
        try:
            yield
        finally:
            # A round trip, so that messages sent meanwhile are delivered while still paused.
            self.page.evaluate("0")
            self._paused -= 1

    def assert_clean(self):
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(problems)


def watch_of(page) -> ConsoleWatch:
    watch = getattr(page, "_motcua_watch", None)
    if watch is None:
        watch = ConsoleWatch(page)
        page._motcua_watch = watch
    return watch


# --- pages -----------------------------------------------------------------------------------


def sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD):
    page.goto(base_url + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/dang-nhap/"))
    page.wait_for_load_state()  # the deferred scripts (access keys) are in place


@pytest.fixture
def browse(browser, browser_context_args, live_server):
    """browse(username=None) -> a new page in a context of its own, signed in if asked."""
    contexts = []
    watches = []

    def open_page(username: str | None = None):
        context = browser.new_context(**browser_context_args)
        context.route(live_server.url + AXE_PATH, _serve_axe)
        contexts.append(context)
        page = context.new_page()
        watches.append(watch_of(page))
        if username:
            sign_in(page, live_server.url, username)
        return page

    yield open_page
    for context in contexts:
        context.close()
    for watch in watches:
        watch.assert_clean()


@pytest.fixture
def page(page):
    """pytest-playwright's page, watched like the others."""
    watch_of(page)
    yield page
    watch_of(page).assert_clean()


# --- screenshots -----------------------------------------------------------------------------


def _shoot(page, name: str, label: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{label}.png"
    with watch_of(page).paused():
        page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def _viewport(page, size):
    original = page.viewport_size
    page.set_viewport_size(size)
    try:
        yield
    finally:
        if original:
            page.set_viewport_size(original)


@pytest.fixture
def screenshot(request):
    """screenshot(name, page=None): the page (default: the `page` fixture) at phone and desktop
    widths, saved as test-artifacts/screenshots/<name>-phone.png and <name>-desktop.png."""

    def take(name: str, page=None) -> list[Path]:
        page = page or request.getfixturevalue("page")
        paths = []
        for label, size in WIDTHS:
            with _viewport(page, size):
                paths.append(_shoot(page, name, label))
        return paths

    return take


# --- accessibility ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core {AXE_VERSION} is missing ({AXE_JS.relative_to(ROOT)}). The accessibility "
            "checks need it: run `make test`, or `make axe` to fetch it with npm.",
            pytrace=False,
        )
    return AXE_JS


def _serve_axe(route):
    route.fulfill(path=str(AXE_JS), content_type="text/javascript; charset=utf-8")


# Every form field a person fills or ticks; buttons are named by their text (axe checks them).
UNLABELLED_FIELDS_JS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter((el) => !Array.from(el.labels || []).some((label) => label.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 160))"""


def run_axe(page, base_url: str) -> dict:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=base_url + AXE_PATH)
    return page.evaluate(
        """() => axe.run(document, {
            resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'wcag22aa', 'best-practice']},
        })"""
    )


def axe_failures(results: dict) -> list[str]:
    """The serious and critical violations, readable."""
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"      {summary[:400]}")
    return lines


WIDER_THAN_VIEWPORT_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolling = document.documentElement.scrollWidth > width;
  return !scrolling ? [] : Array.from(document.querySelectorAll('body *'))
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .filter((el) => !el.closest('.table-scroll'))
    .slice(0, 8)
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def assert_no_sideways_scrolling(page, name: str) -> None:
    """Reflow (WCAG 1.4.10): on a phone the page scrolls one way; wide tables scroll in their
    own box."""
    wider = page.evaluate(WIDER_THAN_VIEWPORT_JS)
    assert not wider, f"{name}: wider than the phone's screen:\n" + "\n".join(wider)


def check_accessibility(page, base_url: str, name: str, *, screenshots: bool = False) -> None:
    """A <label> for every field, then axe at both widths (after the screenshot of that width
    when asked) and no sideways scrolling on the phone; the axe results are saved under
    test-artifacts/axe/."""
    unlabelled = page.evaluate(UNLABELLED_FIELDS_JS)
    assert not unlabelled, f"{name}: fields without a label:\n" + "\n".join(unlabelled)
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    failures = []
    for label, size in WIDTHS:
        with _viewport(page, size):
            if screenshots:
                _shoot(page, name, label)
            results = run_axe(page, base_url)
            if label == "phone":
                assert_no_sideways_scrolling(page, name)
        kept = {
            "url": results["url"],
            "axe": results["testEngine"]["version"],
            "violations": results["violations"],
            "incomplete": results["incomplete"],
        }
        (AXE_RESULTS / f"{name}-{label}.json").write_text(
            json.dumps(kept, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        ran = {rule["id"] for key in ("passes", "violations") for rule in results[key]}
        assert "color-contrast" in ran, f"{name} ({label}): axe did not check the contrast"
        failures += [f"{name} ({label}, {page.url}) {line}" for line in axe_failures(results)]
    assert not failures, "axe found serious or critical violations:\n" + "\n".join(failures)


@pytest.fixture
def audit(axe_script, live_server):
    """audit(page, name): no CSP violation so far, then screenshots and axe at both widths and a
    label for every field."""

    def check(page, name: str) -> None:
        watch_of(page).assert_clean()
        check_accessibility(page, live_server.url, name, screenshots=True)
        watch_of(page).assert_clean()

    return check


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def demo(transactional_db):
    """The demo province (units, calendar, catalog, users; password `demo`)."""
    from motcua.demo import load_demo

    return load_demo(DEMO_PASSWORD)


def tiny_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def tiny_png() -> bytes:
    """A 4×4 blue PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x00\x80\xff" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def files(tmp_path):
    """Paths of a tiny valid PDF and PNG, with Vietnamese-looking names."""
    pdf = tmp_path / "giay-de-nghi.pdf"
    pdf.write_bytes(tiny_pdf())
    png = tmp_path / "anh-chup-the-luat-su.png"
    png.write_bytes(tiny_png())
    result = tmp_path / "giay-dang-ky-hoat-dong.pdf"
    result.write_bytes(tiny_pdf())
    return SimpleNamespace(pdf=pdf, png=png, result=result)
