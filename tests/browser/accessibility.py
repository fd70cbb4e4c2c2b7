"""axe-core (the copy bundled with axe-playwright-python) on a page, at a desktop's width and a phone's,
with a check that the page does not scroll sideways, and a full-page screenshot of each: in
RECOUNT_SCREENSHOTS when set, else in the repository's `screenshots/` (git-ignored), overwritten at each
run, to look at every page after `make test`."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WIDTHS = (1280, 390)
AXE = Axe()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def violations(page: Page) -> list[str]:
    """What axe finds on the page as it is now, one line per rule broken (with where); every rule runs."""
    found = AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in found
    ]


def screenshots_in() -> Path:
    folder = Path(os.environ.get("RECOUNT_SCREENSHOTS") or SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sideways(page: Page, width: int) -> list[str]:
    """The page is wider than the window, so that one must scroll sideways to read it."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    return [f"the page is {wide} px wide: it scrolls sideways"] if wide > width else []


def check_at_each_width(page: Page, name: str, folder: Path) -> list[str]:
    """axe and the page's width at each width in `WIDTHS` (the page laid out again at each), a full-page
    screenshot of each; the viewport is left at the first width."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("new Promise(requestAnimationFrame)")  # the page's resize handlers have run
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        found += [f"{name} at {width} px: {problem}" for problem in violations(page) + sideways(page, width)]
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return found
