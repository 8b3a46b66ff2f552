"""The HTML report is one self-contained page with the report's tables and its figures embedded."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.report.html_page import STYLE, html_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


class Page(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_html_report_holds_every_table_and_embedded_figures(golden: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(golden), "-o", str(target)])
    assert result.exit_code == 0, result.output
    page = Page(target.read_text(encoding="utf-8"))
    markdown = runner.invoke(app, ["report", str(golden)]).stdout
    assert len(page.all("table")) == markdown.count("\n### ") + markdown.startswith("### ")
    assert {"loss", "text"} <= {a.get("class", "") for a in page.all("th")} | {"loss"}
    images = page.all("img")
    kinds = {"accuracy", "accuracy-time", "valid", "valid-seeds", "thresholds", "train-loss"}
    assert {attrs["alt"] for attrs in images} >= {"Test accuracy", "Talos threshold curves"}
    assert len(images) >= len(kinds) and all(
        f"fig-{kind}" in {a.get("id") for _, a in page.tags} for kind in kinds
    )
    for attrs in images:
        head, data = attrs["src"].split(",", 1)
        assert head == "data:image/png;base64" and base64.b64decode(data)[:8] == PNG_MAGIC
    # Offline: nothing the page loads or links to lives outside it.
    for _, attrs in page.tags:
        for name in ("src", "href"):
            assert not attrs.get(name, "").startswith(("http:", "https:", "//")), attrs
    assert not page.all("link") and not page.all("script")
    text = " ".join(page.text)
    for fact in (
        "golden",
        "3 seed(s) per cell (1, 2, 3)",
        "tuning budget 3",
        "t-test over trained runs",
        "Holm",
        "α = 0.05",
    ):
        assert fact in text


def test_html_report_puts_tables_before_figures(golden: Path) -> None:
    """Tables are what readers quote: they come first, in the page and in its contents."""
    pytest.importorskip("matplotlib")
    text = html_report(golden)
    assert 0 < text.index('<section id="tables">') < text.index('<section id="figures">')
    assert text.index('<img src="data:') > text.rindex("</table>")
    nav = text[text.index("<nav>") : text.index("</nav>")]
    assert nav.index('href="#table-') < nav.index('href="#fig-')


def _rules(style: str) -> dict[str, str]:
    """The page's CSS as selector -> declarations (each selector of a group on its own)."""
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", style):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + ";" + body
    return rules


def test_wide_tables_scroll_in_their_own_box_and_cut_nothing(golden: Path) -> None:
    """Every table sits in a box that scrolls sideways; headers wrap between words, cells never; no rule
    hides or shortens a cell's text."""
    text = html_report(golden, figures=False)
    boxes = re.findall(r'<div class="([^"]+)"><table>', text)
    assert boxes and len(boxes) == text.count("<table>") and len(set(boxes)) == 1
    rules = _rules(STYLE)
    assert "overflow-x:auto" in rules[f".{boxes[0]}"] and "max-width:100%" in rules[f".{boxes[0]}"]
    assert "white-space:nowrap" in rules["td"] and "white-space:normal" in rules["th"]
    assert not re.search(r"text-overflow|ellipsis|overflow:hidden", STYLE)


def test_figure_cards_are_as_wide_as_their_figures() -> None:
    """Cards flow in rows at their image's width: no fixed grid cell leaves half a card empty."""
    rules = _rules(STYLE)
    assert "flex-wrap:wrap" in rules[".cards"] and "flex:0 1 auto" in rules["figure"]
    assert "grid-template-columns" not in rules.get(".cards", "") + rules.get(".grid", "")


def test_html_report_says_why_figures_are_missing(golden: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the plot extra were not installed
    page = Page(html_report(golden))
    assert page.all("table") and not page.all("img")
    assert "Figures left out: plots need matplotlib: pip install 'talosbench[plot]'" in "".join(page.text)


def test_html_report_states_the_environment_runs_recorded(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from talosbench import results
    from tests.report.conftest import write

    for seed in (1, 2):
        write(tmp_path, "iid", "sl", seed, precision=0.2 + seed / 100)
    run = next((tmp_path / "golden").glob("*/result.json"))
    stored = results.read_result(run.parent) or {}
    stored["environment"] = {
        "device": "cuda:0",
        "device_name": "NVIDIA H200",
        "torch": "9.9",
        "python": "3.99",
        "cpu": "Test CPU 9000",
    }
    run.write_text(json.dumps(stored), encoding="utf-8")
    text = " ".join(Page(html_report(tmp_path / "golden")).text)
    assert (
        "cuda:0 (NVIDIA H200)" in text
        and "CPUs of the runs: Test CPU 9000" in text
        and "torch 9.9" in text
        and "python 3.99" in text
    )
    assert "no tuning" in text and "2 seed(s) per cell (1, 2)" in text


@pytest.mark.slow
def test_html_report_renders_in_a_browser(golden: Path, tmp_path: Path) -> None:
    """Headless Chromium draws the page: a tall, non-blank screenshot (look at it: tmp_path/page.png)."""
    image = pytest.importorskip("matplotlib.image")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(html_report(golden), encoding="utf-8")
    shot = tmp_path / "page.png"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        "--window-size=1200,3000",
        page.as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.read_bytes()[:8] == PNG_MAGIC
    pixels = image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (3000, 1200)
    # Figures drawn: the warm red of Talos (#d62728) appears, as it only can in an embedded figure's bars.
    red = (abs(pixels[..., 0] - 0xD6 / 255) < 0.05) & (pixels[..., 1] < 0.25) & (pixels[..., 2] < 0.25)
    assert red.sum() > 500
    assert pixels[1500:].std() > 0.05, "the lower half of the page is blank"


LAYOUT_PROBE = """<script>
const out = {page: document.documentElement.scrollWidth, window: window.innerWidth, boxes: [], cut: []};
for (const table of document.querySelectorAll('table')) {
  const box = table.parentElement;
  out.boxes.push({overflow: getComputedStyle(box).overflowX, scroll: box.scrollWidth,
                  box: box.clientWidth, table: table.offsetWidth});
  for (const cell of table.querySelectorAll('td,th'))
    if (cell.scrollWidth > cell.clientWidth + 1) out.cut.push(cell.textContent);
}
document.body.setAttribute('data-layout', JSON.stringify(out));
</script>"""
"""Measures the laid-out page in the browser and leaves the numbers on <body> for ``--dump-dom``."""


@pytest.mark.slow
@pytest.mark.parametrize("width", [800, 1280])
def test_html_report_lays_out_at_desktop_and_narrow_widths(golden: Path, tmp_path: Path, width: int) -> None:
    """In Chromium at ``width`` pixels: the page never scrolls sideways; each table fits or scrolls in
    its own box with every column reachable; no cell's text is cut."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(html_report(golden).replace("</body>", LAYOUT_PROBE + "</body>"), encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},2000"]
    done = subprocess.run(
        [*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    found = re.search(r'data-layout="([^"]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    layout = json.loads(html.unescape(found.group(1)))
    assert layout["page"] <= layout["window"], "the page scrolls sideways"
    assert layout["boxes"] and not layout["cut"], layout["cut"]
    for box in layout["boxes"]:
        assert box["overflow"] == "auto" and box["scroll"] >= box["table"]  # every column reachable
        assert box["box"] <= width
