"""axe-core in the browser tests: a page's accessibility violations at the impacts the project allows none of.

axe-core 4.10.3 (tests/browser/vendor/axe.min.js, MPL-2.0, unmodified from the npm package; licence beside it)
is injected into the page under test by the driver, as jsQR is, so no page of the service ever loads it.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("critical", "serious", "moderate")

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def axe_violations(driver, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The page's axe violations of the given impacts: [{id, impact, help, nodes}]; empty when it passes."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    return [v for v in driver.execute_async_script(_RUN) if v["impact"] in impacts]
