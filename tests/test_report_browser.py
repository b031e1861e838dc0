"""The HTML backtest report in a real headless Chromium: chart and map drawn, figures as JSON.

Needs /usr/bin/chromium (``make test`` installs it with apt-get when it can) and Playwright
for Python (the ``dev`` extra); Playwright drives the system browser and downloads nothing.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS, SEEDS_GOLD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container; the page is our own file
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: run `make test` as root on Debian (it installs chromium with "
    "apt-get), or `apt-get install chromium`",
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)
Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed: pip install -e '.[dev]'")


def _report_files(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """(the HTML report `monitor backtest` writes for the seed corpus, the figures its
    --json printed in the same run); the JSON report is checked to hold the same figures."""
    page, data = tmp_path / "report.html", tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--log-level",
            "error",
            "backtest",
            str(SEEDS),
            "--gold",
            str(SEEDS_GOLD),
            "--json",
            "--html",
            str(page),
            "--report-json",
            str(data),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures = json.loads(result.stdout)
    report = json.loads(data.read_text(encoding="utf-8"))
    assert report["figures"] == figures
    assert report["timeline"]
    assert any(base["attacks"] for base in report["bases"])
    return page, figures


class _Rendered:
    """The report opened in Chromium: the page, and what it asked of the network."""

    def __init__(
        self, page: Any, figures: dict[str, Any], requests: list[str], errors: list[str]
    ) -> None:
        self.page = page
        self.figures = figures
        self.requests = requests
        self.errors = errors


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Rendered]:
    path, figures = _report_files(tmp_path_factory.mktemp("report"))
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.goto(path.as_uri(), wait_until="load")
            yield _Rendered(page, figures, requests, errors)
        finally:
            browser.close()


def _ink(png: bytes) -> tuple[float, int, int]:
    """(share of pixels unlike the background, distinct colours, accent-coloured pixels) of a
    screenshot. The background is its most common colour; the accent is the marks' orange."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    data = image.tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    colours = image.getcolors(maxcolors=1 << 24) or []
    background = max(colours)[1]
    unlike = sum(
        1 for p in pixels if sum(abs(a - b) for a, b in zip(p, background, strict=True)) > 30
    )
    accent = sum(1 for r, g, b in pixels if r > 150 and 60 < g < 150 and b < 110 and r - b > 80)
    return unlike / len(pixels), len(colours), accent


@pytest.mark.parametrize("element", ["#timeline", "#map"], ids=["timeline", "map"])
def test_chart_and_map_are_drawn(rendered: _Rendered, element: str, tmp_path: Path) -> None:
    """The timeline and the map render as real pictures: large, varied, with the marks."""
    locator = rendered.page.locator(element)
    box = locator.bounding_box()
    assert box is not None
    assert box["width"] > 600
    assert box["height"] > 100
    png = locator.screenshot(path=tmp_path / f"{element[1:]}.png")
    share, colours, accent = _ink(png)
    assert share > 0.02, f"{element} is nearly blank ({share:.1%} drawn)"
    assert colours > 50, f"{element} has only {colours} colours"
    assert accent > 100, f"{element} shows no attack marks ({accent} accent pixels)"


def test_the_figures_in_the_page_are_the_json_figures(rendered: _Rendered) -> None:
    """Read back from the rendered page, the figures are exactly the JSON's, and the numbers a
    reader sees agree with them."""
    found = rendered.page.eval_on_selector_all(
        "[data-figure]",
        "els => els.map(e => [e.dataset.figure, e.dataset.value, e.textContent])",
    )
    figures: dict[str, Any] = {}
    for key, value, text in found:
        *parents, name = key.split(".")
        target = figures
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = json.loads(value)
        if isinstance(target[name], float):
            assert float(text) == pytest.approx(target[name], abs=0.0005), key
        elif isinstance(target[name], int):
            assert int(text.replace(",", "")) == target[name], key
    assert figures == rendered.figures


def test_the_page_needs_nothing_from_the_network(rendered: _Rendered) -> None:
    """Only the report file itself is requested, and nothing fails in the console."""
    assert [url for url in rendered.requests if not url.startswith("file://")] == []
    assert rendered.errors == []
