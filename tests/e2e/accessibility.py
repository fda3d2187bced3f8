"""axe-core (axe-playwright-python) over a page in the browser tests: WCAG 2.2 A and AA rules.

`check_page` opens a page, runs axe, then opens each tab (and named expanders) and runs it again:
a tab's content is only checked when it is shown. Serious and critical findings fail the test,
and so does heading order (moderate, but no page has it any more); the other moderate and minor
ones are written to test-artifacts/axe-findings.txt for the accessibility statement
(docs/accessibility.md lists them with their reasons).
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.helpers import ROOT, open_path, wait_for_app

AXE = Axe()
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (what English public bodies are held to), and axe's
# best practices (headings, landmarks), whose serious findings block too.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                     "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
# Moderate rules that block too, because every page passes them: headings go h1 -> h2 -> h3.
BLOCKING_RULES = {"heading-order"}
FINDINGS = ROOT / "test-artifacts" / "axe-findings.txt"

# The tabs (and expanders) of each page, by its path: each is opened and checked in turn.
TABS = {
    "school": ["Targets", "Support received", "Subgroups", "Inspection journey"],
    "deployments": ["Register", "Deployment creep", "QA backlog", "Teams and home schools"],
}
EXPANDERS = {"upload": ["Blank templates"]}


def page_key(path: str) -> str:
    return path.split("?")[0] or "overview"


def axe_violations(page) -> list[dict]:
    """Every WCAG A/AA violation axe finds on the page as it is now."""
    page.wait_for_timeout(400)  # plotly draws after the run ends; let it and transitions settle
    return AXE.run(page, options=AXE_OPTIONS).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)]")
        for node in v["nodes"][:3]:
            message = next((c["message"] for c in node.get("any", []) + node.get("all", [])
                            + node.get("none", [])), "")
            lines.append(f"    {node['html'][:160]} | {message[:200]}")
    return "\n".join(lines)


def assert_accessible(page, where: str) -> list[dict]:
    """No serious or critical violation; the rest recorded. Returns every violation found."""
    violations = axe_violations(page)
    blocks = [v for v in violations if v["impact"] in BLOCKING or v["id"] in BLOCKING_RULES]
    others = [v for v in violations if v not in blocks]
    if others:
        FINDINGS.parent.mkdir(parents=True, exist_ok=True)
        with FINDINGS.open("a", encoding="utf-8") as file:
            file.write(f"== {where}\n{describe(others)}\n")
    assert not blocks, f"axe on {where}:\n{describe(blocks)}"
    return violations


def check_page(page, base: str, path: str, where: str) -> None:
    """Open `path`, check it, then each of its tabs and expanders."""
    open_path(page, base, path)
    assert_accessible(page, f"{where}: {page_key(path)}")
    for name in TABS.get(page_key(path), []):
        tab = page.get_by_role("tab", name=name, exact=True)
        if not tab.count():
            continue  # a tab a role does not have (e.g. none at all in an empty state)
        tab.click()
        wait_for_app(page)  # a tab may rerun the page to build what it shows (the School page)
        assert_accessible(page, f"{where}: {page_key(path)}, tab {name}")
    for name in EXPANDERS.get(page_key(path), []):
        page.get_by_text(name, exact=True).click()
        wait_for_app(page)
        assert_accessible(page, f"{where}: {page_key(path)}, {name} opened")


# What has the keyboard focus, and the ring drawn for it: on the element itself, or on the box
# a widget draws around its native input (selectbox, text input) or on a checkbox's label.
FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  let ring = e;
  const select = e.closest('[data-baseweb="select"]');
  if (select) ring = select.firstElementChild;
  else if (e.matches('input[type=checkbox], input[type=radio]')) ring = e.closest('label') || e;
  else {
    const box = e.closest('[data-baseweb="input"], [data-baseweb="textarea"]');
    if (box) ring = box;
  }
  const style = getComputedStyle(ring);
  return {tag: e.tagName, label: (e.getAttribute('aria-label') || e.innerText || '').trim()
            .slice(0, 60), style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          colour: style.outlineColor, href: e.getAttribute('href') || '',
          grid: !!e.closest('[data-testid="stDataFrame"]')};
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUS_JS)
