"""The HTML report: one self-contained file with the report's tables and its figures embedded.

It opens offline: the figures are base64 PNGs inside the page, the style is inline, nothing is
fetched. Its header states the suite, the protocol, the software and the hardware of the runs.
"""

from __future__ import annotations

import base64
import html
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import polars as pl

from talosbench import __version__
from talosbench.report.accuracy import ALPHA
from talosbench.report.compose import DEFAULT_BASELINE, report_tables
from talosbench.report.figures import PlotError, plot_results
from talosbench.report.names import TABLES
from talosbench.report.renderers import html_tables
from talosbench.report.scope import by_suite
from talosbench.report.stats import CORRECTION, MIN_RUNS, TEST
from talosbench.report.table import ReportError, Table
from talosbench.results import DamagedRunError, cpu_model, read_plan, read_result

KINDS = {
    "accuracy": (
        "Test accuracy",
        "Mean over seeds per loss; error bars: the standard deviation over seeds (none where one seed).",
    ),
    "accuracy-time": (
        "Accuracy against training time",
        "Each loss's mean test value against its median training seconds per epoch (a log axis "
        "when they differ tenfold); "
        "with several seeds, bars span the metric's std and the time's min–max.",
    ),
    "valid": (
        "Validation curves",
        "The validation metric at each evaluated epoch: the mean over seeds, shaded from the lowest to "
        "the highest seed (no shade with one seed); drawn together only for a few losses.",
    ),
    "valid-seeds": (
        "Validation curves, one panel per loss",
        "Each loss on its own scale, so that its across-seed band is legible.",
    ),
    "thresholds": (
        "Talos threshold curves",
        "The threshold error and the mean threshold of the thresholded losses at each validation.",
    ),
    "train-loss": ("Training loss", "Each loss on its own scale (their values are not comparable)."),
}
"""Figure kinds (the first part of a figure's file name) in the order the page shows them."""
SOFTWARE = ("numpy", "polars", "scipy", "matplotlib", "tabulate")
"""Packages whose versions the header lists beside those each run recorded."""
SHOWN = 4 / 5
"""Displayed width over pixel width: a 660-pixel column figure shows 528 pixels wide, two to a row."""


@dataclass(frozen=True)
class Figure:
    """One embedded figure: its kind, the suite it shows (when several), its PNG bytes."""

    kind: str
    suite: str | None
    png: bytes

    @property
    def width(self) -> int:
        """Pixel width, from the PNG header (IHDR follows the 8-byte signature and 8 bytes of chunk head)."""
        return int(struct.unpack(">I", self.png[16:20])[0])


def html_report(
    source: Path,
    *,
    tables: Sequence[str] = TABLES,
    metrics: Sequence[str] = (),
    baseline: str | None = None,
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    figures: bool = True,
    vs_paper: bool = False,
    vs_all: bool = False,
    vs_paper_all: bool = False,
    partial: bool = False,
) -> str:
    """The HTML report of the runs under ``source``: header, tables, figures (unless ``figures`` is False).

    The tables and notes are those of ``report.report`` (with ``vs_paper``, the paper's values beside
    the measured ones; with ``vs_all``, the baseline against every other loss); figures that cannot be
    drawn (matplotlib missing) are left out with a paragraph saying why.
    """
    built, notes, frame = report_tables(
        source,
        tables=tables,
        metrics=metrics,
        baseline=baseline,
        suite_file=suite_file,
        on_note=on_note,
        vs_paper=vs_paper,
        vs_all=vs_all,
        vs_paper_all=vs_paper_all,
        partial=partial,
    )
    drawn, missing = _figures(source, metrics, baseline, suite_file) if figures else ([], None)
    title = "talosbench report: " + ", ".join(_suites(frame)) if not frame.is_empty() else "talosbench report"
    body = [
        f"<header><h1>{html.escape(title)}</h1>{_facts(source, frame, built)}</header>",
        _contents(drawn, built),
        # Tables first: they are what readers quote; the figures illustrate them.
        f'<section id="tables"><h2 class="part">Tables</h2>{html_tables(built, notes)}</section>',
        _figure_section(drawn, missing, len({f.suite for f in drawn}) > 1),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _figures(
    source: Path, metrics: Sequence[str], baseline: str | None, suite_file: Path | None
) -> tuple[list[Figure], str | None]:
    """Every figure of ``figures.plot_results`` as PNG bytes, in ``KINDS`` order; or why there are none."""
    with tempfile.TemporaryDirectory(prefix="talosbench-figures-") as folder:
        out = Path(folder)
        try:
            paths = plot_results(
                source,
                out,
                metrics=metrics,
                baseline=baseline or DEFAULT_BASELINE,
                suite_file=suite_file,
                option="$TMPDIR",  # where the page's figures are drawn before they are embedded
            )
        except (PlotError, ReportError) as error:  # the tables stand without figures
            return [], str(error)
        found = [
            Figure(
                path.stem.split("_")[0], path.parent.name if path.parent != out else None, path.read_bytes()
            )
            for path in paths
        ]
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda f: (rank.get(f.kind, len(rank)), f.suite or "")), None


def _figure_section(drawn: list[Figure], missing: str | None, several: bool) -> str:
    if missing is not None:
        return (
            '<section id="figures"><h2 class="part">Figures</h2>'
            f'<p class="missing">Figures left out: {html.escape(missing)}</p></section>'
        )
    parts = ['<section id="figures"><h2 class="part">Figures</h2>']
    for kind, (heading, caption) in KINDS.items():
        chosen = [f for f in drawn if f.kind == kind]
        if not chosen:
            continue
        parts.append(f'<section id="fig-{kind}"><h2>{html.escape(heading)}</h2>')
        # Cards as wide as their figure, flowing in rows: never a wide card around a narrow figure.
        parts.append(f'<p class="caption">{html.escape(caption)}</p><div class="cards">')
        for figure in chosen:
            data = base64.b64encode(figure.png).decode("ascii")
            label = f"{heading} ({figure.suite})" if several and figure.suite else heading
            suite = (
                f"<figcaption>suite {html.escape(figure.suite)}</figcaption>"
                if several and figure.suite
                else ""
            )
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'width="{round(figure.width * SHOWN)}" alt="{html.escape(label)}">{suite}</figure>'
            )
        parts.append("</div></section>")
    if not drawn:
        parts.append('<p class="missing">No figures: the runs hold nothing to draw.</p>')
    parts.append("</section>")
    return "".join(parts)


def _contents(drawn: list[Figure], built: list[Table]) -> str:
    """Links to each table and each figure kind, in the page's order."""
    kinds = [kind for kind in KINDS if any(f.kind == kind for f in drawn)]
    links = [f'<a href="#table-{html.escape(t.name)}">{html.escape(t.title)}</a>' for t in built]
    links += [f'<a href="#fig-{kind}">{html.escape(KINDS[kind][0])}</a>' for kind in kinds]
    return f"<nav>{' · '.join(links)}</nav>"


def _suites(frame: pl.DataFrame) -> list[str]:
    return [suite for suite, _ in by_suite(frame)]


def _facts(source: Path, frame: pl.DataFrame, built: list[Table]) -> str:
    """The header's facts: suite, protocol, software, hardware, as a definition list."""
    rows = [("Suite", _suite_text(source, frame)), ("Protocol", _protocol(frame, built))]
    rows += [("Software", _software(frame)), ("Hardware", _hardware(frame))]
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows.append(("Report", f"made {made} by talosbench {__version__} from {source}"))
    items = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>" for name, text in rows)
    return f'<dl class="facts">{items}</dl>'


def _final(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("role") == "final") if "role" in frame.columns else frame


def _suite_text(source: Path, frame: pl.DataFrame) -> str:
    final = _final(frame)
    parts = []
    for suite, runs in by_suite(frame) if not frame.is_empty() else []:
        plan = _plan(source, suite)
        kept = runs.filter(pl.col("role") == "final")
        cells = kept.select("dataset", "scenario", "backbone", "loss").unique().height
        text = f"{suite}: {cells} cells, {kept.height} final runs"
        trials = runs.height - kept.height
        text += f" and {trials} tuning trials" if trials else ""
        if plan is not None and plan.get("source"):
            text += f" (suite file {plan['source']})"
        parts.append(text)
    values = (
        {
            name: sorted(str(v) for v in final[name].unique().to_list())
            for name in ("dataset", "scenario", "backbone")
        }
        if not final.is_empty()
        else {}
    )
    grid = "; ".join(f"{name}s: {', '.join(v)}" for name, v in values.items())
    return "; ".join(parts) + (f". {grid}." if grid else "")


def _plan(source: Path, suite: str) -> dict | None:
    """The plan a suite's last run recorded (the results root or the suite's own folder)."""
    for folder in (source / suite, source):
        try:
            plan = read_plan(folder)
        except ReportError:
            plan = None
        if plan is not None and plan.get("suite") == suite:
            return plan
    return None


def _protocol(frame: pl.DataFrame, built: list[Table]) -> str:
    """Seeds, tuning budget, significance tests and correction, as these runs and tables used them."""
    final = _final(frame)
    if final.is_empty():
        return "no final runs"
    seeds = sorted(int(s) for s in final["seed"].unique().to_list())
    parts = [f"{len(seeds)} seed(s) per cell ({', '.join(map(str, seeds))})"]
    budgets = sorted({int(b) for b in final["tuning_budget"].drop_nulls().to_list()})
    grids = sorted({int(g) for g in final["tuning_grid"].drop_nulls().to_list()})
    if budgets:
        of = f" of a grid of {', '.join(map(str, grids))} points" if grids else ""
        parts.append(
            f"tuning budget {', '.join(map(str, budgets))} trials per cell{of}, chosen on validation"
        )
    else:
        parts.append("no tuning: each cell trained at its suite's settings")
    compared = [r for t in built if t.name == "accuracy" for r in t.records if "p_holm" in r]
    tested = sum(r["p_holm"] is not None for r in compared)
    parts.append(f"significance: {TEST}; correction: {CORRECTION}; α = {ALPHA}")
    if compared and not tested:
        parts.append(f"no comparison was tested (a test needs {MIN_RUNS} runs per side)")
    elif compared:
        parts.append(f"{tested} of {len(compared)} baseline comparisons tested")
    return "; ".join(parts) + "."


def _environments(frame: pl.DataFrame) -> list[dict]:
    """What each final run recorded of its environment (runs of older versions recorded none)."""
    out = []
    for path in _final(frame)["path"].to_list():
        try:
            result = read_result(Path(path)) or {}
        except DamagedRunError:
            continue  # the tables' notes already say so
        out.append(result.get("environment") or {})
    return out


def _distinct(environments: list[dict], key: str) -> str:
    values = sorted({str(env[key]) for env in environments if env.get(key)})
    return ", ".join(values) if values else "not recorded"


def _software(frame: pl.DataFrame) -> str:
    envs = _environments(frame)
    recorded = [f"{name} {_distinct(envs, name)}" for name in ("talosbench", "torch", "python")]
    commit = _distinct(envs, "git_commit")
    if commit != "not recorded":
        recorded.append(f"git commit {commit}")
    here = [f"{name} {_version(name)}" for name in SOFTWARE]
    return f"runs: {', '.join(recorded)}; report: {', '.join(here)}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _hardware(frame: pl.DataFrame) -> str:
    envs = _environments(frame)
    devices = sorted(
        {f"{env.get('device', '?')} ({env['device_name']})" for env in envs if env.get("device_name")}
    )
    cpus = _distinct(envs, "cpu")
    runs = f"devices of the runs: {', '.join(devices) or 'not recorded'}; CPUs of the runs: {cpus}; "
    return f"{runs}platform {_distinct(envs, 'platform')}; this report made on: {cpu_model()}"


STYLE = (
    ":root{--ink:#1d232b;--muted:#5b6570;--line:#d8dde3;--accent:#b22d2d}"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);"
    "max-width:1200px;margin:0 auto;padding:24px 28px 60px;background:#fff}"
    "h1{font-size:26px;margin:0 0 14px;border-bottom:3px solid var(--accent);padding-bottom:8px;"
    "overflow-wrap:anywhere}"
    "h2{font-size:18px;margin:28px 0 6px}h2.part{font-size:22px;border-bottom:1px solid var(--line);"
    "padding-bottom:4px;margin-top:36px}"
    "dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:6px 18px;margin:0;"
    "font-size:14px}"
    "dl.facts dt{font-weight:600;color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}"
    "nav{margin:18px 0 0;padding:10px 14px;background:#f5f7f9;border-radius:6px;font-size:13.5px;"
    "line-height:1.9}"
    "nav a{color:#2a5d9f;text-decoration:none}nav a:hover{text-decoration:underline}"
    ".caption{color:var(--muted);margin:0 0 10px;font-size:14px}"
    # Figure cards: each as wide as its image (shrunk, never stretched, on a narrow screen), in rows.
    ".cards{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}"
    "figure{flex:0 1 auto;min-width:0;max-width:100%;box-sizing:border-box;margin:0;padding:8px;"
    "border:1px solid var(--line);border-radius:6px;background:#fff;text-align:center}"
    "figure img{display:block;max-width:100%;height:auto}figcaption{font-size:13px;color:var(--muted)}"
    # A wide table scrolls inside its own box, the page never does. Headers wrap between words, cells
    # never: no value is cut or broken across lines.
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums;margin:4px 0}"
    "th,td{padding:3px 8px;text-align:right;vertical-align:bottom}"
    "td{white-space:nowrap}th{white-space:normal;min-width:4em;overflow-wrap:normal}"
    "th.text,td.text{text-align:left}"
    "thead th{border-bottom:2px solid var(--ink);background:#f5f7f9}"
    "tbody tr:nth-child(even){background:#fafbfc}tr.rule td{border-top:1px solid #8a939c}"
    ".note{font-size:13px;color:var(--muted);max-width:900px}"
    ".missing{padding:10px 14px;border-left:4px solid var(--accent);background:#fff6f4}"
    # A narrow screen gives the page's margins to the tables and figures.
    "@media (max-width:900px){body{padding:16px 10px 40px}th,td{padding:3px 6px}}"
)
"""The page's whole style, inline: the file needs nothing else to open."""
