"""The ``talosbench`` command line: a thin Typer shell over the library; the only module that prints."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from talosbench import __version__

app = typer.Typer(
    name="talosbench",
    help="Benchmark recommender-system training losses for Top-K accuracy, shift robustness and cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"talosbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """talosbench: which loss gives my backbone the best Top-K accuracy, at what cost?"""


# --- training engine: losses, backbones, train -------------------------------------------------


def _parse_assignments(pairs: list[str], option: str) -> dict[str, object]:
    """``KEY=VALUE`` pairs with TOML-typed values (``0.1`` is a float, ``true`` a bool)."""
    from talosbench.toml import tomllib

    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got '{pair}'", param_hint=option)
        try:
            out[key.strip()] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = raw.strip()
    return out


def _schema_rows(components: dict[str, type]) -> list[list[str]]:
    rows = []
    for name, cls in components.items():
        params = getattr(cls, "hparams", ())
        if not params:
            rows.append([name, "-", "", "", (cls.__doc__ or "").strip().splitlines()[0]])
        for i, p in enumerate(params):
            doc = (cls.__doc__ or "").strip().splitlines()[0] if i == 0 else ""
            space = ", ".join(map(str, p.space)) if p.space else ""
            rows.append([name if i == 0 else "", p.name, repr(p.default), space, p.help or doc])
    return rows


@app.command()
def losses() -> None:
    """List every loss with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.losses import LOSSES, listing_order

    rows = _schema_rows({name: LOSSES.get(name) for name in listing_order()})
    typer.echo(tabulate(rows, headers=["loss", "parameter", "default", "paper search space", "help"]))


@app.command()
def backbones() -> None:
    """List every backbone with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.models import BACKBONES

    rows = _schema_rows({name: BACKBONES.get(name) for name in BACKBONES.names()})
    typer.echo(tabulate(rows, headers=["backbone", "parameter", "default", "paper search space", "help"]))


@app.command()
def train(
    dataset: str = typer.Option("synthetic", help="Dataset name (see `talosbench datasets`)."),
    scenario: str = typer.Option("iid", help="Shift scenario: iid, temporal, popularity, given."),
    backbone: str = typer.Option("mf", help="Backbone (see `talosbench backbones`)."),
    loss: str = typer.Option("talos", help="Loss (see `talosbench losses`)."),
    set_: list[str] = typer.Option([], "--set", help="Loss hyper-parameter KEY=VALUE (repeatable)."),
    backbone_set: list[str] = typer.Option([], "--backbone-set", help="Backbone hyper-parameter KEY=VALUE."),
    seed: int = typer.Option(2024, help="Run seed (every random generator derives from it)."),
    split_seed: int = typer.Option(2024, help="Seed of the train/validation/test split."),
    lr: float = typer.Option(1e-3, help="Adam learning rate."),
    weight_decay: float = typer.Option(0.0, help="Coupled L2 weight decay."),
    epochs: int = typer.Option(200, help="Epoch cap (early stopping usually ends sooner)."),
    batch_size: int = typer.Option(1024, help="Training rows per batch."),
    negatives: int | None = typer.Option(
        None, help="Negatives per row (default: the loss's, 1024 or BPR 1)."
    ),
    eval_every: int = typer.Option(5, help="Validate every N epochs."),
    patience: int = typer.Option(5, help="Validations without improvement before stopping."),
    k: list[int] = typer.Option([20], "--k", help="Metric cut-off (repeatable)."),
    valid_metric: str = typer.Option("precision@20", help="Validation metric for early stopping."),
    device: str = typer.Option("auto", help="auto, cpu, cuda or cuda:N."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
) -> None:
    """Train one configuration with early stopping and print its test metrics."""
    from tabulate import tabulate

    from talosbench.data import DataError, UnknownDatasetError
    from talosbench.runner.execute import prepare_and_run
    from talosbench.train.config import RunConfig

    config = RunConfig(
        dataset=dataset,
        scenario=scenario,
        backbone=backbone,
        loss=loss,
        seed=seed,
        split_seed=split_seed,
        loss_params=_parse_assignments(set_, "--set"),
        backbone_params=_parse_assignments(backbone_set, "--backbone-set"),
        lr=lr,
        weight_decay=weight_decay,
        epochs=epochs,
        batch_size=batch_size,
        negatives=negatives,
        eval_every=eval_every,
        patience=patience,
        ks=tuple(k),
        valid_metric=valid_metric,
        device=device,
    )

    live = sys.stderr.isatty()  # a log file gets the validation lines, not a redrawn bar

    def on_epoch(info: dict) -> None:
        if info.get("valid") is not None:
            value = info["valid"].get(valid_metric, float("nan"))
            line = f"\r  epoch {info['epoch']:>4}: valid {valid_metric} = {value:.4f}"
            typer.echo(line + " " * 20 if live else line.lstrip("\r"), err=True)
        elif live:
            done = int(30 * info["epoch"] / max(info["epochs"], 1))
            bar = "#" * done + "." * (30 - done)
            line = f"\r  [{bar}] epoch {info['epoch']}/{info['epochs']} loss {info['train_loss']:.4f}"
            typer.echo(line, nl=False, err=True)

    try:
        result = prepare_and_run(  # prepares the data first: training itself never downloads
            config,
            data_dir=data_dir,
            mirror=mirror,
            on_event=lambda message: typer.echo(message, err=True),
            on_epoch=on_epoch,
        )
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if isinstance(exc, UnknownDatasetError) else 1) from None
    except (KeyError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("", err=True)
    typer.echo(
        f"status: {result.status}  epochs: {result.epochs}  best epoch: {result.best_epoch}  "
        f"median s/epoch: {result.timings.get('train_seconds_per_epoch', float('nan')):.3f}  "
        f"device: {result.device}"
    )
    if result.error:
        typer.echo(f"error: {result.error}")
    if result.test:
        rows = [[name, f"{value:.4f}"] for name, value in result.test.items()]
        rows += [[name, f"{value:.4f}"] for name, value in result.thresholds.items()]
        typer.echo(tabulate(rows, headers=["test metric", "value"]))
    if result.status != "completed":
        raise typer.Exit(1)



@app.command()
def bench(
    scale: str | None = typer.Option(
        None, help="Synthetic data of a dataset's size: beauty, gowalla or electronics (default beauty)."
    ),
    dataset: str | None = typer.Option(None, help="Measure on this dataset's iid split instead."),
    backbone: list[str] = typer.Option(["mf"], "--backbone", help="Backbone (repeatable)."),
    loss: list[str] = typer.Option(["talos", "sl", "bpr"], "--loss", help="Loss (repeatable)."),
    epochs: int = typer.Option(3, help="Timed epochs per pair (after one warm-up epoch)."),
    rounds: int = typer.Option(
        1, help="Measure the pairs round-robin this many times and pool the medians (steadier on "
        "a shared machine)."
    ),
    device: str = typer.Option("auto", help="auto, cpu, cuda or cuda:N."),
    threads: int | None = typer.Option(None, help="CPU threads for torch (default: torch's choice)."),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
) -> None:
    """Measure seconds per epoch, evaluation seconds and peak memory; store them for run --dry-run."""
    import json
    from dataclasses import asdict

    import torch
    from tabulate import tabulate

    from talosbench.bench import BenchError, format_rows, machine_load, run_bench
    from talosbench.data import DataError, UnknownDatasetError
    from talosbench.device import DeviceError, resolve_device

    try:
        resolved = resolve_device(device)
    except DeviceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    if scale is None and dataset is None:
        scale = "beauty"
    load = machine_load()

    def progress(result) -> None:  # type: ignore[no-untyped-def]
        typer.echo(
            f"  {result.backbone} + {result.loss}: {result.train_seconds_per_epoch:.3f} s/epoch", err=True
        )

    try:
        results = run_bench(
            scale,
            dataset,
            backbone,
            loss,
            resolved,
            epochs=epochs,
            rounds=rounds,
            data_dir=data_dir,
            on_result=progress,
        )
        used_threads = torch.get_num_threads()
    except (BenchError, KeyError) as exc:
        typer.echo(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", err=True)
        raise typer.Exit(2) from None
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if isinstance(exc, UnknownDatasetError) else 1) from None
    finally:
        torch.set_num_threads(previous_threads)
    if json_out:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    headers, rows = format_rows(results)
    typer.echo(tabulate(rows, headers=headers))
    typer.echo(f"load average before / after: {load if load is not None else '-'} / "
               f"{results[-1].load if results and results[-1].load is not None else '-'}; "
               f"threads: {used_threads}")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _grid_progress(quiet: bool, slots: int):  # type: ignore[no-untyped-def]
    """A runner listener that prints the grid's progress line and the current run's epochs."""
    import sys
    import time

    from talosbench.runner import Listener

    live = sys.stderr.isatty() and not quiet

    class Progress(Listener):
        def __init__(self) -> None:
            self.total = self.done = self.failed = self.trained = 0
            self.train_seconds = 0.0
            self.start = time.perf_counter()
            self.current = ""
            self.where: dict[str, int] = {}  # Ray: running tasks per node
            self.peak = slots

        def head(self) -> str:
            eta = ""
            if self.trained:
                left = (self.total - self.done) * self.train_seconds / self.trained / self.peak
                eta = f" | ETA {_duration(left)}"
            failed = f" | {self.failed} failed" if self.failed else ""
            nodes = ", ".join(f"{node} x{n}" for node, n in sorted(self.where.items()))
            running = f" | {sum(self.where.values())} running on {nodes}" if self.where else ""
            return f"[{self.done}/{self.total}{failed}{running}{eta}]"

        def running(self, where: dict[str, int]) -> None:
            self.where = dict(where)
            self.peak = max(self.peak, sum(where.values()))

        def show(self, text: str) -> None:
            if live:
                typer.echo(f"\r\033[K{self.head()} {text}", nl=False, err=True)

        def say(self, text: str) -> None:
            typer.echo(("\r\033[K" if live else "") + text, err=True)

        def planned(self, total: int, done: int) -> None:
            self.total = total
            self.say(f"{total} runs planned, {done} already complete")

        def started(self, job) -> None:  # type: ignore[no-untyped-def]
            self.current = str(job)
            self.show(self.current)

        def epoch(self, job, info) -> None:  # type: ignore[no-untyped-def]
            loss = info.get("train_loss")
            text = f"{job} | epoch {info['epoch']}/{info['epochs']}"
            self.show(text + (f" loss {loss:.4f}" if isinstance(loss, float) else ""))

        def finished(self, job, outcome) -> None:  # type: ignore[no-untyped-def]
            self.done += 1
            self.failed += not outcome.ok
            if outcome.reused:
                return
            self.trained += 1
            self.train_seconds += outcome.seconds
            valid = outcome.best_valid.get(job.config.valid_metric)
            score = f" valid {job.config.valid_metric} {valid:.4f}" if valid is not None else ""
            error = f": {outcome.error}" if outcome.error else ""
            self.say(f"{self.head()} {job}: {outcome.status}{score} ({_duration(outcome.seconds)}){error}")

        def chosen(self, cell, point, trials) -> None:  # type: ignore[no-untyped-def]
            if point is None:
                self.say(f"{cell}: every one of {trials} tuning trials failed; no final runs")
            else:
                values = ", ".join(f"{k}={v}" for k, v in point.as_dict().items())
                self.say(f"{cell}: tuned over {trials} points on validation: {values}")

        def message(self, text: str) -> None:
            if not quiet:
                self.say(text)

        def damaged(self, job, problem) -> None:  # type: ignore[no-untyped-def]
            self.say(f"damaged run {problem}: {job} will be redone")

    return Progress()


@app.command()
def run(
    suite_file: Path = typer.Argument(..., help="Suite TOML file (see suites/)."),
    results_dir: Path = typer.Option(Path("runs"), help="Results root; runs go to <dir>/<suite>/<run-id>/."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and what is complete; train nothing."
    ),
    only: list[str] = typer.Option(
        [], "--only", help="Keep cells with KEY=VALUE (dataset, scenario, backbone, loss; repeatable)."
    ),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N (default: the suite's)."),
    jobs: int = typer.Option(1, min=1, help="Runs trained at once, in worker processes when > 1."),
    force: bool = typer.Option(False, "--force", help="Rerun runs that are already complete."),
    quiet: bool = typer.Option(False, "--quiet", help="One line per finished run, no live progress."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
    executor: str = typer.Option("local", help="local (this machine) or ray (a Ray cluster; the ray extra)."),
    devices: str | None = typer.Option(
        None, help="Local workers' devices, round-robin, e.g. cuda:0,cuda:1 (default: every visible GPU)."
    ),
    ray_address: str | None = typer.Option(
        None, help="Ray cluster to join: auto or ray://host:port (default: start a local Ray instance)."
    ),
    gpus_per_run: float | None = typer.Option(
        None, help="Ray: GPUs per run, 0.25 packs four runs per GPU (default: 1 with GPUs, else 0)."
    ),
    cpus_per_run: float | None = typer.Option(None, help="Ray: CPUs (and torch threads) per run [1]."),
    max_retries: int | None = typer.Option(None, help="Ray: retries of a run whose worker dies [2]."),
) -> None:
    """Run every cell of a suite (tuning on validation first where it has lists), resuming finished runs."""
    import re

    from talosbench.runner import Interrupted, RunnerError, describe, run_suite
    from talosbench.suite import SuiteError, load_suite

    if device is not None and not re.match(r"^(auto|cpu|cuda(:\d+)?)$", device):
        typer.echo(f"error: --device {device!r}: must be auto, cpu, cuda or cuda:N", err=True)
        raise typer.Exit(2)
    ray_values = {"--ray-address": ray_address, "--gpus-per-run": gpus_per_run,
                  "--cpus-per-run": cpus_per_run, "--max-retries": max_retries}  # fmt: skip
    given = [name for name, value in ray_values.items() if value is not None]
    usage = None
    if executor not in ("local", "ray"):
        usage = f"--executor {executor!r}: must be local or ray"
    elif executor == "local" and given:
        usage = f"{', '.join(given)} need --executor ray"
    elif executor == "ray" and devices is not None:
        usage = "--devices pins local workers; with --executor ray use --gpus-per-run"
    elif devices is not None:
        from talosbench.runner.local import parse_devices

        try:
            parse_devices(devices)
        except RunnerError as exc:
            usage = str(exc)
    if usage:
        typer.echo(f"error: {usage}", err=True)
        raise typer.Exit(2)
    ray_options = None
    if executor == "ray":
        from talosbench.runner.ray_executor import RayOptions

        defaults = RayOptions()
        ray_options = RayOptions(
            address=ray_address,
            gpus_per_run=gpus_per_run,
            cpus_per_run=defaults.cpus_per_run if cpus_per_run is None else cpus_per_run,
            max_retries=defaults.max_retries if max_retries is None else max_retries,
        )
    try:
        suite = load_suite(suite_file)
        if dry_run:
            cells = describe(suite, results_dir, device=device, only=only, on_damaged=lambda job, error:
                             typer.echo(f"damaged run {error.directory}: {error.problem}: {job} will be "
                                        "redone by `talosbench run`", err=True))  # fmt: skip
    except SuiteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if dry_run:
        _print_plan(suite, cells, results_dir, data_dir)
        return
    from talosbench.device import DeviceError
    from talosbench.results import ResultsWriteError

    progress = _grid_progress(quiet, jobs)
    try:
        summary = run_suite(suite, results_dir, device=device, jobs=jobs, force=force, only=only,
                            data_dir=data_dir, mirror=mirror, listener=progress, executor=executor,
                            devices=devices.split(",") if devices else None, ray=ray_options)  # fmt: skip
    except (SuiteError, DeviceError, ResultsWriteError) as exc:  # found before any run trained
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(2) from None
    except RunnerError as exc:
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (runner.interrupt.Interrupted)
        how, code = "interrupted", 130
        if isinstance(exc, Interrupted):
            how, code = f"stopped by {exc.name}", exc.exit_code
        typer.echo(
            f"\n{how} after {progress.done}/{progress.total} runs; completed runs are kept, "
            "rerun the same command to resume",
            err=True,
        )
        raise typer.Exit(code) from None
    where = results_dir / suite.name
    typer.echo(
        f"{summary.total} runs: {summary.ran} trained, {summary.reused} already complete, "
        f"{len(summary.failed)} failed, in {_duration(summary.seconds)}; results in {where}",
        err=True,
    )
    for job, outcome in summary.failed:
        typer.echo(f"  failed: {job}: {outcome.status}: {outcome.error}", err=True)
    for cell in summary.unreachable:
        typer.echo(f"  no final runs: {cell} (every tuning trial failed)", err=True)
    if summary.failed or summary.unreachable:
        raise typer.Exit(1)


def _print_plan(suite, cells, results_dir: Path, data_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    """The dry run's table: one row per cell, then what the remaining runs should cost."""
    from tabulate import tabulate

    from talosbench.bench import estimate_plan

    rows = []
    for status in cells:
        plan = status.plan
        tuning = f"{len(plan.points)} points" if plan.tuned else "-"
        point = ", ".join(f"{k}={v}" for k, v in status.point.as_dict().items()) if status.point else ""
        c = plan.cell
        rows.append([c.dataset, c.scenario, c.backbone, c.loss, tuning, status.runs, status.done, point])
    typer.echo(f"suite {suite.name}: {suite.description}".rstrip(": "))
    typer.echo(f"seeds {list(suite.seeds)}, validation metric {suite.valid_metric}, ks {list(suite.eval.ks)}")
    headers = ["dataset", "scenario", "backbone", "loss", "tuning", "runs", "complete", "chosen"]
    typer.echo(tabulate(rows, headers=headers))
    total, done = sum(s.runs for s in cells), sum(s.done for s in cells)
    trials = sum(len(s.plan.points) for s in cells)
    typer.echo(
        f"{len(cells)} cells, {total} runs ({trials} tuning trials; a chosen trial doubles as its first "
        f"seed's final run), {done} complete, {total - done} to train; results in {results_dir / suite.name}"
    )
    estimate = estimate_plan(cells, data_dir=data_dir)
    if estimate.priced:
        typer.echo(
            f"estimated training time of {estimate.priced} run(s), each at its epoch cap (early stopping "
            f"ends sooner): at most {_duration(estimate.seconds)}, from `talosbench bench` figures"
        )
    if estimate.unpriced:
        typer.echo(
            f"{estimate.unpriced} run(s) not priced: run `talosbench bench --dataset NAME` (or --scale) "
            "with their backbone and loss on this device, after `talosbench download NAME`"
        )

# --- data: datasets, download ------------------------------------------------------------------

DEFAULT_DATASETS = ("synthetic", "movielens-100k")


def _suite_datasets() -> list[str]:
    """Datasets named in the shipped suites' ``[grid] datasets`` lists, else the default pair."""
    from talosbench.toml import tomllib

    names: list[str] = []
    for path in sorted((Path(__file__).resolve().parents[1] / "suites").glob("*.toml")):
        try:
            grid = tomllib.loads(path.read_text()).get("grid", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for entry in grid.get("datasets", []):
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names or list(DEFAULT_DATASETS)


class _Progress:
    """A carriage-return progress line on stderr: bytes, rate and ETA."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self.reset()

    def reset(self) -> None:
        """Start a fresh rate/ETA clock (one per dataset)."""
        self.start = self._clock()
        self.first: int | None = None
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        now = self._clock()
        if self.first is None:
            self.first, self.start = done, now  # a resumed download starts counting from its offset
        if now - self.last_draw < 0.1 and done != total:
            return
        self.last_draw = now
        rate = (done - self.first) / max(now - self.start, 1e-6)
        mib = 1024 * 1024
        size = f"{done / mib:.1f}/{total / mib:.1f} MiB" if total else f"{done / mib:.1f} MiB"
        eta = f"ETA {int((total - done) / rate)}s" if total and rate > 0 else ""
        typer.echo(f"\r  {size}  {rate / mib:.1f} MiB/s  {eta}   ", nl=False, err=True)
        self.drawn = True

    def finish(self) -> None:
        """End the progress line so the next message starts on its own line."""
        if self.drawn:
            typer.echo("", err=True)
            self.drawn = False


def _format_stats(stats: dict[str, object]) -> str:
    return (
        f"users {stats['users']:,}  items {stats['items']:,}  interactions {stats['interactions']:,}  "
        f"density {float(stats['density']):.4%}"  # type: ignore[arg-type]
    )


def _data_error(exc: Exception) -> typer.Exit:
    """Print a data error and pick its exit code: 2 for unknown names (usage), else 1."""
    from talosbench.data.errors import UnknownDatasetError

    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2 if isinstance(exc, UnknownDatasetError) else 1)


@app.command()
def datasets(
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
) -> None:
    """List the dataset catalog (and imported datasets) with statistics of those already prepared."""
    from tabulate import tabulate

    from talosbench.data.catalog import CATALOG
    from talosbench.data.datasets import dataset_summary, imported_names
    from talosbench.data.store import data_home

    rows = []
    for name in CATALOG.names() + imported_names(data_home(data_dir)):
        info = dataset_summary(name, data_dir)
        entry, stats = info["entry"], info["stats"]
        cached = ["-", "-", "-", "-"]
        if stats:
            cached = [f"{stats[k]:,}" for k in ("users", "items", "interactions")]
            cached.append(f"{stats['density']:.3%}")
        rows.append([name, entry.source, entry.license, _format_prep(dict(entry.preprocess)), *cached])
    headers = ["name", "source", "license / terms", "preprocessing", "users", "items", "interactions"]
    typer.echo(tabulate(rows, headers=[*headers, "density"]))


def _format_prep(params: dict[str, object]) -> str:
    """``rating>=3, 10-core`` plus any generator parameters."""
    parts = [f"rating>={params['min_rating']:g}"] if params.get("min_rating") is not None else []
    parts += [f"{params['k_core']}-core"] if params.get("k_core") else []
    parts += [f"{k}={v}" for k, v in params.items() if k not in ("min_rating", "k_core")]
    return ", ".join(parts) or "-"


@app.command()
def download(
    names: list[str] = typer.Argument(None, help="Datasets (default: the shipped suites')."),
    all_: bool = typer.Option(False, "--all", help="Fetch every catalog dataset."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Base URL (http(s):// or file://) replacing every source's."
    ),
    force: bool = typer.Option(False, "--force", help="Fetch and preprocess again even when cached."),
    file: Path | None = typer.Option(None, "--file", help="Import your own CSV/TSV/Parquet or split folder."),
    name: str | None = typer.Option(None, "--name", help="Dataset name for --file."),
) -> None:
    """Download, verify and preprocess datasets, or import your own with --file PATH --name NAME."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.datasets import get_entry, import_file, prepare_dataset
    from talosbench.data.errors import DataError
    from talosbench.data.store import data_home

    progress = _Progress()

    def event(message: str) -> None:
        progress.finish()
        typer.echo(message, err=True)

    if file is not None or name is not None:
        if file is None or name is None:
            raise typer.BadParameter("--file and --name go together", param_hint="--file/--name")
        if names or all_:
            raise typer.BadParameter("give names or --file PATH --name NAME, not both", param_hint="NAME")
        try:
            out = import_file(file, name, data_dir=data_dir, force=force, on_event=event)
        except DataError as exc:
            raise _data_error(exc) from None
        typer.echo(f"{name}: {_format_stats(_read_stats(out))}  ({out})")
        return
    chosen = CATALOG.names() if all_ else (list(names) if names else _suite_datasets())
    try:
        for n in chosen:  # every name is checked before anything is fetched
            get_entry(n, data_home(data_dir))
    except DataError as exc:
        raise _data_error(exc) from None
    failed: dict[str, DataError] = {}
    for n in chosen:  # one unreachable source must not keep the others from being fetched
        progress.reset()
        try:
            out = prepare_dataset(
                n, data_dir=data_dir, mirror=mirror, force=force, on_event=event, on_progress=progress
            )
        except DataError as exc:
            progress.finish()
            typer.echo(f"{n}: failed (reported below)", err=True)
            failed[n] = exc
            continue
        progress.finish()
        typer.echo(f"{n}: {_format_stats(_read_stats(out))}  ({out})")
    if failed:
        ready = len(chosen) - len(failed)
        typer.echo(f"error: {len(failed)} of {len(chosen)} datasets failed ({ready} ready):", err=True)
        for n, exc in failed.items():
            typer.echo(f"  {n}: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(1)


def _read_stats(prepared: Path) -> dict[str, object]:
    from talosbench.data.store import read_meta

    return read_meta(prepared)["stats"]


@app.command()
def report(
    source: str | None = typer.Argument(
        None,
        metavar="RESULTS_DIR_OR_SUITE",
        help="Results dir, suite dir or name, or suite TOML (default: newest in ./runs).",
    ),
    fmt: str = typer.Option("markdown", "--format", help="markdown, latex, csv, json or html."),
    metric: list[str] = typer.Option(
        [], "--metric", help="Test metric to show, e.g. precision@20 (repeatable; default all)."
    ),
    table: list[str] = typer.Option(
        ["all"], "--table", help="accuracy, efficiency, convergence, tuning, shift or all (repeatable)."
    ),
    baseline: str | None = typer.Option(None, help="Loss whose Imp.% is shown (default talos when present)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
) -> None:
    """Tables of a suite's results: accuracy with significance, efficiency, convergence, tuning, shift."""
    from talosbench.report import FORMATS, TABLES, ReportError, resolve_source, suite_file
    from talosbench.report import report as build_report
    from talosbench.results import ResultsError

    if fmt not in FORMATS:
        typer.echo(f"error: --format {fmt!r}: choose from {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    tables = list(TABLES) if "all" in table else table
    try:
        where = resolve_source(source)
        text = build_report(where, fmt=fmt, tables=tables, metrics=metric, baseline=baseline,
                            suite_file=suite_file(source),
                            on_note=lambda note: typer.echo(f"note: {note}", err=True))  # fmt: skip
    except (ReportError, ResultsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"report of {where} written to {output}", err=True)


@app.command()
def plot(
    source: str | None = typer.Argument(
        None,
        metavar="RESULTS",
        help="Results dir, suite dir or name, or suite TOML (default: newest in ./runs).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Directory of the PNGs (default: <results>/plots)."),
    metric: list[str] = typer.Option([], "--metric", help="Test metric to plot (repeatable; default all)."),
) -> None:
    """PNG figures: validation and training curves, accuracy bars, Talos threshold curves."""
    from talosbench.plots import PlotError, plot_results
    from talosbench.report import ReportError, resolve_source, suite_file
    from talosbench.results import ResultsError

    try:
        where = resolve_source(source)
        paths = plot_results(where, out or where / "plots", metrics=metric, suite_file=suite_file(source),
                             on_note=lambda note: typer.echo(f"note: {note}", err=True))  # fmt: skip
    except (PlotError, ReportError, ResultsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in paths:
        typer.echo(str(path))


if __name__ == "__main__":
    app()
