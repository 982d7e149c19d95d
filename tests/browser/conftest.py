"""Playwright with the system Chromium (never a downloaded browser: the network may be closed)."""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


PROJECT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or PROJECT / "test-results")


def shot(page: Page, name: str) -> None:
    """A screenshot into test-results/ (or SCREENSHOT_DIR: `make screenshots`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def log_in(page: Page, base: str, username: str) -> None:
    """Through the login page, as a cadre does; lands on the dashboard (a liaison on its
    待办)."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-word-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("工作台|待办"))).to_be_visible()


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    if _chromium():
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(
            "CI=true but no chromium on PATH: install it (apt-get install -y chromium "
            "fonts-wqy-microhei); browser tests must run in CI."
        )
    skip = pytest.mark.skip(
        reason="no chromium on PATH (apt-get install -y chromium fonts-wqy-microhei)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


PHONE_WIDTH = 390


@pytest.fixture
def phone(browser):
    """A phone: 390×844, touch, mobile; its page in Chinese."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": PHONE_WIDTH, "height": 844},
        has_touch=True,
        is_mobile=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def accessibility(page: Page) -> list[str]:
    """WCAG 2.1 A and AA violations axe-core finds on the page as it is now: one line each
    (rule, impact, the first elements), so a failure says what to fix."""
    # evaluated, not added as a <script>: the site's Content-Security-Policy allows no inline
    # script, and the check must not loosen it
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
    ]
