"""Phone screenshots of the public FAQ site and the homepage (docs/screenshots/).

    .venv/bin/python scripts/screenshot_faq.py http://127.0.0.1:8000 docs/screenshots \\
        [--query 住民票] [--typed じゅうみん]

Writes, in OUT_DIR, all on a 390×844 touch viewport (2× pixels), whole pages:
  home-phone.png          the homepage: FAQ search, ranking, statistics, inquiry, centers
  home-suggest-phone.png  the homepage while typing --typed (suggestion list open)
  faq-index-phone.png     /faq/: search box, ranking, categories per axis
  faq-search-phone.png    results for --query
  faq-page-phone.png      the first result's page, with "was this helpful?"
  faq-page-en-phone.png   the same page in English
  faq-statistics-phone.png helpful rates with the Wilson lower bound

Needs a running server whose database has public FAQs (the demo city once the knowledge
demo content is loaded), Debian's /usr/bin/chromium and fonts-noto-cjk
(scripts/ensure-browser.sh). Nothing is written to the server except the page views.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}


class ScreenshotError(Exception):
    pass


def _open(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    if response is None or not response.ok:
        status = response.status if response is not None else "no response"
        raise ScreenshotError(f"{url}: {status}")


def _shoot(page: Page, path: Path, *, full_page: bool = True) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path}")


def shoot_all(browser: Browser, base: str, out: Path, *, query: str, typed: str) -> None:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        _open(page, f"{base}/")
        _shoot(page, out / "home-phone.png")

        box = page.get_by_role("combobox").first
        if box.count() == 0:
            raise ScreenshotError("no FAQ search box on the homepage: are FAQs published?")
        box.click()
        box.press_sequentially(typed, delay=60)
        page.get_by_role("listbox").first.wait_for(state="visible")
        box.scroll_into_view_if_needed()
        _shoot(page, out / "home-suggest-phone.png", full_page=False)

        _open(page, f"{base}/faq/")
        _shoot(page, out / "faq-index-phone.png")
        action = page.locator("form.faq-search").first.get_attribute("action") or ""

        _open(page, f"{base}{action}?q={quote(query)}")
        _shoot(page, out / "faq-search-phone.png")
        first = page.locator(".faq-list a").first
        href = first.get_attribute("href") if first.count() else None
        if not href:
            raise ScreenshotError(f"no result for {query!r}")

        _open(page, f"{base}{href}")
        _shoot(page, out / "faq-page-phone.png")
        _open(page, f"{base}/en{href}")
        _shoot(page, out / "faq-page-en-phone.png")

        center_path = action.rsplit("search/", 1)[0]
        _open(page, f"{base}{center_path}statistics/")
        _shoot(page, out / "faq-statistics-phone.png")
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("out_dir", type=Path, help="e.g. docs/screenshots")
    parser.add_argument("--query", default="住民票", help="search shown in faq-search-phone.png")
    parser.add_argument("--typed", default="じゅうみん", help="text typed for the suggestions")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run scripts/ensure-browser.sh", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            shoot_all(
                browser, args.base_url.rstrip("/"), args.out_dir, query=args.query, typed=args.typed
            )
        except ScreenshotError as exc:
            print(f"screenshot: {exc}", file=sys.stderr)
            return 1
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
