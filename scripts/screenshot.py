"""Take the documentation screenshots of a running Madoguchi with Playwright + Chromium.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 docs/img \\
        [--username manager --password '...'] [--center いわき市総合コールセンター]

Writes, in OUT_DIR:
  homepage.png        the public homepage, desktop 1280×900
  homepage-phone.png  the public homepage, phone 390×844 (touch, 2× pixels)
  console-center.png  the console's center page, logged in (only with --username and
                      --password; the password may also come from SCREENSHOT_PASSWORD)

Uses Debian's /usr/bin/chromium (Playwright cannot download browsers here) and needs
fonts-noto-cjk for the Japanese text: run scripts/ensure-browser.sh first. The server
is not started here; `madoguchi load_demo` prints the demo users' passwords.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

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
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
CONTEXT: dict[str, Any] = {"locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


class ScreenshotError(Exception):
    pass


def _new_page(browser: Browser, device: dict[str, Any]) -> Page:
    context = browser.new_context(**CONTEXT, **device)
    context.set_default_timeout(20_000)
    return context.new_page()


def _open(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    if response is None or not response.ok:
        status = response.status if response is not None else "no response"
        raise ScreenshotError(f"{url}: {status}")


def _shoot(page: Page, path: Path, *, full_page: bool) -> None:
    page.evaluate("document.fonts.ready")  # the Noto CJK fonts, before the picture
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path}")


def homepage(browser: Browser, base: str, out: Path, *, full_page: bool) -> None:
    for device, name in ((DESKTOP, "homepage.png"), (PHONE, "homepage-phone.png")):
        page = _new_page(browser, device)
        try:
            _open(page, f"{base}/")
            _shoot(page, out / name, full_page=full_page)
        finally:
            page.context.close()


def console_center(
    browser: Browser,
    base: str,
    out: Path,
    *,
    username: str,
    password: str,
    center: str | None,
    full_page: bool,
) -> None:
    page = _new_page(browser, DESKTOP)
    try:
        _open(page, f"{base}/console/login/")
        page.get_by_label("ログインID").fill(username)
        page.get_by_label("パスワード").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="ログイン", exact=True).click()
        if "/console/login/" in page.url:
            alert = page.get_by_role("alert")
            reason = alert.inner_text() if alert.count() else "still on the login page"
            raise ScreenshotError(f"could not log in as {username}: {reason}")
        if center:
            page.get_by_label("センター", exact=True).select_option(label=center)
            with page.expect_navigation():
                page.get_by_role("button", name="切替", exact=True).click()
        _open(page, f"{base}/console/center/")
        _shoot(page, out / "console-center.png", full_page=full_page)
    finally:
        page.context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("out_dir", type=Path, help="e.g. docs/img")
    parser.add_argument("--username", help="console user for console-center.png")
    parser.add_argument(
        "--password",
        default=os.environ.get("SCREENSHOT_PASSWORD"),
        help="their password (default: $SCREENSHOT_PASSWORD)",
    )
    parser.add_argument("--center", help="center to switch to first, by its name")
    parser.add_argument(
        "--full-page", action="store_true", help="the whole page, not just the viewport"
    )
    args = parser.parse_args(argv)

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run scripts/ensure-browser.sh", file=sys.stderr)
        return 1
    base = args.base_url.rstrip("/")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            homepage(browser, base, args.out_dir, full_page=args.full_page)
            if args.username and args.password:
                console_center(
                    browser,
                    base,
                    args.out_dir,
                    username=args.username,
                    password=args.password,
                    center=args.center,
                    full_page=args.full_page,
                )
            else:
                print("skipped console-center.png (no --username/--password)")
        except ScreenshotError as exc:
            print(f"screenshot: {exc}", file=sys.stderr)
            return 1
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
