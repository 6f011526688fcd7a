"""The one axe-core runner of the browser tests: a context allowed to inject axe, and the accessibility check.

axe is vendored under tests/browser/vendor (never served to users). It is injected as an inline script, which the
app's CSP rightly forbids, so only a context made by `axe_context` bypasses the CSP, and only for that purpose.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"

# Serious and critical violations only, each as "rule (impact): the first three offending nodes".
_RUN = """async (exclude) => {
  const context = exclude.length ? {exclude: exclude.map(selector => [selector])} : document;
  const result = await axe.run(context, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_PATH.read_text()


@contextmanager
def axe_context(browser, live_server, locale: str = "zh-CN") -> Iterator:
    """A browser context on the live server that may inject axe (CSP bypassed), closed afterwards."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale=locale,
                                  viewport={"width": 1366, "height": 900})
    try:
        yield context
    finally:
        context.close()


def serious_violations(page, exclude: tuple[str, ...] = ()) -> list[str]:
    """Run axe on the page as it is now (outside the `exclude` CSS selectors): its serious or critical violations."""
    page.add_script_tag(content=_axe_source())
    return page.evaluate(_RUN, list(exclude))


def assert_accessible(page, exclude: tuple[str, ...] = (), label: str = "") -> None:
    """Fail, naming the page and every violation, when axe finds a serious or critical one on the page."""
    violations = serious_violations(page, exclude)
    assert not violations, f"{label or page.url}: " + json.dumps(violations, ensure_ascii=False, indent=1)
