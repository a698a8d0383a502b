"""The docs as `grouploop up` serves them (mkdocs serve), in headless chromium with every
request that would leave the machine blocked and counted: each page with a diagram draws
it as SVG, and search answers. That is what a venue's Wi-Fi with no internet gets."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from grouploop.services import Service, start
from tests.fixtures.browser import OpenPage
from tests.support.timing import scaled

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = "```mermaid"
DIAGRAMS = {page.stem: page.read_text().count(FENCE) for page in sorted(DOCS.glob("*.md"))}
DIAGRAM_PAGES = [name for name, count in DIAGRAMS.items() if count]

# Material draws each diagram into a closed shadow root; the test keeps a handle on every
# shadow root the page attaches so it can look at the SVG inside.
KEEP_SHADOW_ROOTS = """
  window.__shadowRoots = [];
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (options) {
    const root = attach.call(this, options);
    window.__shadowRoots.push(root);
    return root;
  };
"""


@pytest.fixture(scope="module")
def docs_url(chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The docs server `grouploop up` starts (`python -m grouploop.up docs`), on a free port."""
    log = tmp_path_factory.mktemp("docs") / "docs.log"
    argv = [sys.executable, "-m", "grouploop.up", "docs", "127.0.0.1", "0"]
    service: Service = start("docs", argv, log_path=log, timeout=scaled(60))
    try:
        yield service.url
    finally:
        service.stop(timeout=scaled(10))


@pytest.fixture
def docs_page(chromium: Any) -> Iterator[Callable[[str], OpenPage]]:
    """`docs_page(url)`: a fresh context on one docs page; what goes wrong in `.errors`."""
    contexts: list[Any] = []

    def make(url: str) -> OpenPage:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        opened = OpenPage.watch(context.new_page())
        opened.page.add_init_script(KEEP_SHADOW_ROOTS)
        opened.page.goto(url)
        return opened

    yield make
    for context in contexts:
        context.close()


def page_url(base: str, name: str) -> str:
    return base if name == "index" else f"{base}{name}/"


@pytest.mark.parametrize("name", DIAGRAM_PAGES)
def test_docs_page_draws_its_diagrams_as_svg_with_nothing_from_outside(
    name: str, docs_url: str, docs_page: Callable[[str], OpenPage]
) -> None:
    opened = docs_page(page_url(docs_url, name))
    page = opened.page
    # Material replaces each <pre class="mermaid"> by a <div class="mermaid"> once drawn;
    # parsing mermaid (3.5 MB) takes seconds on a busy machine.
    expect(page.locator("div.mermaid")).to_have_count(DIAGRAMS[name], timeout=scaled(20) * 1000)
    expect(page.locator("pre.mermaid")).to_have_count(0)
    drawn = page.evaluate(
        """() => window.__shadowRoots
          .map((root) => root.querySelector("svg"))
          .filter(Boolean)
          .map((svg) => ({
            width: svg.getBoundingClientRect().width,
            labels: svg.querySelectorAll("text, foreignObject").length,
          }))"""
    )
    assert len(drawn) == DIAGRAMS[name], drawn
    assert all(d["width"] > 50 and d["labels"] > 0 for d in drawn), drawn
    if name == "index":
        opened.screenshot("docs-index", full_page=False)
    assert opened.errors == []  # console errors, and every request that tried to leave


def test_docs_search_answers_with_nothing_from_outside(
    docs_url: str, docs_page: Callable[[str], OpenPage]
) -> None:
    opened = docs_page(docs_url)
    page = opened.page
    search = page.locator(".md-search__input")
    search.click()
    search.press_sequentially("esptool")  # Material searches on key presses, not on fill
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result__meta")).to_contain_text("matching")
    assert "esptool" in results.first.inner_text().lower()
    assert opened.errors == []
