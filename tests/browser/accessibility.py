"""axe-core (the copy bundled with axe-playwright-python) on a page, at a desktop's width and a phone's,
with a screenshot of each: in RECOUNT_SCREENSHOTS when set (to look at them), else in the test's
temporary directory."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WIDTHS = (1280, 390)
AXE = Axe()


def violations(page: Page) -> list[str]:
    """What axe finds on the page as it is now, one line per rule broken (with where); every rule runs."""
    found = AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in found
    ]


def screenshots_in(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECOUNT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_at_each_width(page: Page, name: str, folder: Path) -> list[str]:
    """axe at each width in `WIDTHS` (the page laid out again at each), a full-page screenshot of each;
    the viewport is left at the first width."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        found += [f"{name} at {width} px: {violation}" for violation in violations(page)]
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return found
