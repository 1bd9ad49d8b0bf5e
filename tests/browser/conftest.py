"""Fixtures for the real-browser tests: headless Chromium driven by Playwright against
pytest-django's live server.

- `browser`  one Chromium for the whole session (Debian's /usr/bin/chromium: Playwright's
             own download is not available here).
- `page`     a fresh context and page per test: no cookies leak between tests. On a failed
             test its screenshot and browser log go to test-artifacts/.
- `browser_log`  console errors, uncaught page errors and CSP violations seen by `page`.
- `sign_in`  gives a user a password and signs them in through the real form at /login/.

Playwright's sync API runs an asyncio loop in this thread, and Django refuses ORM calls
from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The tests
build their data with the ORM and services in this thread, hence the setdefault below.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-test-pass-9431"
TIMEOUT_MS = 10_000  # auto-waiting budget of actions and of expect(): generous for a busy 2-core CI
expect.set_options(timeout=TIMEOUT_MS)

_REPORTS = pytest.StashKey[dict]()

# Reports every CSP violation to the test through a binding (bindings and init scripts are
# installed over the DevTools protocol, so the page's own CSP does not block them).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__accordCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
}, true);
"""


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@dataclass
class BrowserLog:
    """What the browser complained about while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def lines(self) -> list[str]:
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"CSP violation: {v}" for v in self.csp_violations),
        ]

    def assert_clean(self) -> None:
        assert self.lines() == []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with "
            "`apt-get update && apt-get install -y chromium` (Playwright's own browser download "
            "does not work on this machine).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser: Browser, live_server, browser_log: BrowserLog, request) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="UTC",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.expose_binding("__accordCspViolation", lambda _source, detail: browser_log.csp_violations.append(detail))
    context.add_init_script(script=_CSP_LISTENER)
    tab = context.new_page()
    tab.on("console", browser_log.on_console)
    tab.on("pageerror", lambda error: browser_log.page_errors.append(str(error)))
    yield tab
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(tab.content())
        finally:
            (ARTIFACTS / f"{name}.log").write_text("\n".join([f"url: {tab.url}", *browser_log.lines()]) + "\n")
    context.close()


@pytest.fixture
def sign_in(page: Page) -> Callable:
    """Sign `user` in through the login form; returns once the app has redirected away."""

    def sign_in(user) -> None:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto("/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".who")).to_contain_text(user.email)

    return sign_in
