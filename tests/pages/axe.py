"""axe-core in the browser tests: inject the pinned engine into a Playwright page, return what it finds.

The engine is the npm package pinned in package-lock.json and installed by scripts/ensure_axe.sh into
node_modules/ (never a CDN). The pages' Content-Security-Policy allows no scripts at all, so the
source is evaluated through the DevTools protocol (`page.evaluate`), which CSP does not govern, rather
than added as a <script> tag the page would refuse. Every rule axe ships runs (WCAG 2.0-2.2 A/AA and
best practices); the callers decide which impacts fail a test (serious and critical, as issue 15 says).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
IMPACTS = ("minor", "moderate", "serious", "critical")
_NO_AXE = (
    "axe-core is not at {path}. Install the pinned version with `scripts/ensure_axe.sh` "
    "(npm ci --ignore-scripts from package-lock.json); `make test` runs it first."
)

# 👉 axe.run resolves to a results object; only what a report needs crosses back to Python.
_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact || 'minor', help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page, with the CSS selectors of the elements that break it."""

    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def line(self) -> str:
        return f"{self.page}: [{self.impact}] {self.rule} ({self.help}) at {', '.join(self.targets)}"


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(_NO_AXE.format(path=AXE_JS), pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


async def axe_violations(page: Page, label: str) -> list[Violation]:
    """Run every axe rule over the page as it stands; `label` names the page in the report."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(axe_source())
    found = await page.evaluate(_RUN)
    return [Violation(label, item["rule"], item["impact"], item["help"], tuple(item["targets"])) for item in found]


def failing(violations: list[Violation]) -> list[Violation]:
    """The violations issue 15 forbids: serious and critical ones."""
    return [v for v in violations if v.impact in FAILING]


async def overflow_px(page: Page) -> int:
    """How far the page is wider than the viewport (WCAG 1.4.10 reflow; axe does not check it): 0 when
    nothing but a scroll region (a wide table in its own focusable box) scrolls sideways."""
    return int(await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def cleared(folder: Path) -> Path:
    """The folder without the screenshots of an earlier run, so its listing is this run's pages only."""
    for old in folder.glob("*.png"):
        old.unlink()
    return folder
