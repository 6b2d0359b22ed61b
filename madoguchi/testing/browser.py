"""Pytest fixtures for browser tests: Debian's Chromium driven by Playwright, plus axe-core.

Import the fixtures explicitly into a test module::

    from madoguchi.testing.browser import (  # noqa: F401  (pytest fixtures)
        axe_violations,
        browser_fixture,
        page_fixture,
    )

and mark the tests ``@pytest.mark.browser``. The fixtures are *named* ``browser``,
``page`` and ``new_page``; the ``_fixture`` suffix of the Python names only keeps
ruff's F811 quiet when a test takes ``page`` as an argument. Import ``browser_fixture``
too: the others depend on it.

The server is pytest-django's ``live_server`` (a thread in the test process, on a
loopback port, which pytest-socket's ``--allow-hosts`` lets through). The Playwright
driver talks to us over pipes and Chromium is a separate process: pytest-socket,
which patches Python's socket module only, sees neither.

``page`` is a fresh browser context per test (ja-JP, Asia/Tokyo, desktop 1280×900).
Parametrize it indirectly for other devices::

    @pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)

Playwright cannot download browsers here: we launch ``/usr/bin/chromium`` and
inject ``node_modules/axe-core/axe.min.js``; ``scripts/ensure-browser.sh`` installs both.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
CONTEXT_DEFAULTS: dict[str, Any] = {"locale": "ja-JP", "timezone_id": "Asia/Tokyo"}
TIMEOUT_MS = 15_000


# Playwright's sync API runs its asyncio loop in a greenlet of this very thread, and
# between two sync calls it leaves that loop marked as the thread's *running* loop.
# Left like that for the rest of the session, every later test in this process
# would seem to run inside an event loop: Django's async-unsafe guard refuses ORM
# calls (SynchronousOnlyOperation), asyncio.run() and asgiref's async_to_sync()
# raise RuntimeError. So the session fixture parks the loop (clears the mark) while
# no browser test runs, and `page` / `new_page` / playwright_active() put it back for
# as long as a test drives the browser.
_LOOPS: dict[int, asyncio.AbstractEventLoop] = {}
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@contextmanager
def playwright_active(browser: Browser) -> Iterator[None]:
    """Let Playwright run in this block (``page`` and ``new_page`` do this for you).

    While the mark is set, Django would refuse ORM calls from the test itself (e.g. a
    fixture creating users, or the flush after a transactional test): nothing here is
    really async (the live server is a plain thread), so DJANGO_ALLOW_ASYNC_UNSAFE is
    set for the block, and restored after it. Database connections opened in the
    block are closed at its end (see _close_db_connections).
    """
    loop = _LOOPS[id(browser)]
    previous_loop = asyncio._get_running_loop()
    previous_env = os.environ.get(_ASYNC_UNSAFE)
    asyncio._set_running_loop(loop)
    os.environ[_ASYNC_UNSAFE] = "true"
    try:
        yield
    finally:
        _close_db_connections()
        asyncio._set_running_loop(previous_loop)
        if previous_env is None:
            os.environ.pop(_ASYNC_UNSAFE, None)
        else:
            os.environ[_ASYNC_UNSAFE] = previous_env


def _close_db_connections() -> None:
    """Close the database connections opened while the loop was marked running.

    Django keeps its connections in an asgiref ``Local(thread_critical=True)``, which
    stores them per thread when no loop runs, but in a separate, context-local place
    when one does. Connections opened during a browser test therefore become
    invisible once the mark is cleared: nothing would close them, and on PostgreSQL
    the final DROP DATABASE of the test database fails ("being accessed by other
    users"). Connections inside an atomic block are left alone (closing would only
    mark them for rollback); in-memory SQLite ignores close() anyway.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


@pytest.fixture(scope="session", name="browser")
def browser_fixture() -> Iterator[Browser]:
    """One headless Chromium for the whole session.

    Use it through ``page`` / ``new_page``, or in ``with playwright_active(browser):``.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/ensure-browser.sh` (as root) first.",
            pytrace=False,
        )
    previous_loop = asyncio._get_running_loop()
    playwright = sync_playwright().start()
    loop = asyncio.get_running_loop()  # Playwright's, marked running by start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except BaseException:
        playwright.stop()
        asyncio._set_running_loop(previous_loop)
        raise
    _LOOPS[id(chromium)] = loop
    asyncio._set_running_loop(previous_loop)  # park
    try:
        yield chromium
    finally:
        with playwright_active(chromium):
            try:
                chromium.close()
            finally:
                playwright.stop()
        del _LOOPS[id(chromium)]


def _new_page(browser: Browser, contexts: list[BrowserContext], options: dict[str, Any]) -> Page:
    context = browser.new_context(**{**CONTEXT_DEFAULTS, **options})
    context.set_default_timeout(TIMEOUT_MS)
    contexts.append(context)
    return context.new_page()


@pytest.fixture(name="page")
def page_fixture(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a new context (ja-JP, Asia/Tokyo), closed after the test.

    Desktop 1280×900 unless parametrized indirectly with a name from DEVICES
    (``"desktop"``, ``"phone"``) or a dict of ``browser.new_context()`` options.
    """
    device = getattr(request, "param", "desktop")
    options = device if isinstance(device, dict) else DEVICES[device]
    contexts: list[BrowserContext] = []
    with playwright_active(browser):
        try:
            yield _new_page(browser, contexts, options)
        finally:
            for context in contexts:
                context.close()


@pytest.fixture(name="new_page")
def new_page_fixture(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Factory for more pages in one test: ``new_page("phone")``, ``new_page(**options)``.

    Each page gets its own context (ja-JP, Asia/Tokyo); all are closed after the test.
    """
    contexts: list[BrowserContext] = []

    def make(device: str | None = None, **options: Any) -> Page:
        return _new_page(browser, contexts, {**DEVICES[device or "desktop"], **options})

    with playwright_active(browser):
        try:
            yield make
        finally:
            for context in contexts:
                context.close()


def axe_violations(page: Page, *, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; return its violations.

    Each violation is ``{"id", "impact", "help", "url", "targets", "nodes"}`` where
    ``targets`` are the CSS selectors of the failing elements and ``nodes`` add their
    HTML and axe's failure summary, so ``assert not violations, violations`` reads well.
    """
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS.relative_to(REPO_ROOT)} is missing: run `bash scripts/ensure-browser.sh`.",
            pytrace=False,
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                url: v.helpUrl,
                targets: v.nodes.map((n) => n.target.join(' ')),
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(' '),
                    html: n.html.slice(0, 200),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        tags or WCAG_TAGS,
    )
    return violations


def horizontal_overflow(page: Page) -> dict[str, int] | None:
    """None if the page fits the viewport's width, else the widths involved."""
    widths: dict[str, int] = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
        })"""
    )
    viewport = page.viewport_size
    fits = widths["scrollWidth"] <= widths["innerWidth"] and (
        viewport is None or widths["scrollWidth"] <= viewport["width"]
    )
    return None if fits else widths


def unlabelled_controls(page: Page) -> list[str]:
    """Visible-type form controls the browser gives no label, as HTML snippets.

    axe matches ``<label for>`` by attribute, so it misses a label whose ``for`` names
    an id used twice on the page: the browser ties it to the first element only.
    """
    controls: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((e) => !['hidden', 'submit', 'button', 'reset'].includes(e.type))
            .filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')
                && !e.getAttribute('aria-labelledby') && !e.title)
            .map((e) => e.outerHTML.slice(0, 200))"""
    )
    return controls


def duplicate_ids(page: Page) -> list[str]:
    """Ids used more than once on the page (WCAG 2.1 4.1.1; axe no longer checks it)."""
    ids: list[str] = page.evaluate(
        """() => {
            const seen = new Map();
            for (const e of document.querySelectorAll('[id]')) {
                seen.set(e.id, (seen.get(e.id) || 0) + 1);
            }
            return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
        }"""
    )
    return ids
