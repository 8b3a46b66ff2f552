"""Options several commands share, declared once so that each has the same name, help and environment
variable everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from talosbench.data.store import HOME_ENV

RESULTS_DIR = Path("runs")
"""The results root when ``--results-dir`` is not given: runs go to ``<root>/<suite>/<run-id>/``."""


def data_dir_option() -> Any:
    """``--data-dir``, filled from ``$TALOSBENCH_HOME`` when not given (``data.store.data_home`` resolves
    the rest, so the library and the CLI agree on the default)."""
    return typer.Option(
        None,
        "--data-dir",
        envvar=HOME_ENV,
        help="Data directory, where datasets are kept (default: $XDG_CACHE_HOME/talosbench, "
        "i.e. ~/.cache/talosbench).",
    )


def results_dir_option(help: str = "Results root; runs go to <dir>/<suite>/<run-id>/.") -> Any:
    """``--results-dir``, the results root (default ``./runs``)."""
    return typer.Option(RESULTS_DIR, "--results-dir", help=help)


def threads_option(jobs: bool = False) -> Any:
    """The ``--threads`` option of ``train``, ``run`` and ``bench`` (``jobs``: the command has ``--jobs``)."""
    default = "the CPUs this process may use" + (", divided by --jobs" if jobs else "")
    return typer.Option(
        None,
        "--threads",
        min=1,
        help=f"torch CPU threads of each training process (default $OMP_NUM_THREADS, else {default}).",
        show_default=False,
    )


def log_option() -> Any:
    """``--log``: an experiment tracker that records each run too (``mlflow``: the mlflow extra)."""
    return typer.Option(
        None,
        "--log",
        help="Also record each run in an experiment tracker: mlflow records it in a local MLflow store "
        "(see --mlflow-uri; needs the mlflow extra).",
    )


def mlflow_uri_option() -> Any:
    """``--mlflow-uri``, the MLflow store of ``--log mlflow``, filled from ``$MLFLOW_TRACKING_URI``."""
    return typer.Option(
        None,
        "--mlflow-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="MLflow store of --log mlflow: a folder (file store) or a tracking URI (default: ./mlruns).",
    )


def source_argument(metavar: str) -> Any:
    """The RESULTS argument of report and plot: which stored runs they read (one wording for both)."""
    return typer.Argument(
        None,
        metavar=metavar,
        help="Results dir, suite dir or name, or suite TOML (default: the newest suite in --results-dir).",
    )


SOURCE_ROOT_HELP = "Results root that suite names and the default look in."
"""``--results-dir``'s help where it is the root a suite name is looked up in (report, plot)."""


def json_option(what: str) -> Any:
    """``--json``: print ``what`` as JSON (complete and machine-readable) instead of a table."""
    return typer.Option(False, "--json", help=f"Print {what} as JSON, every field, instead of a table.")


def output_format(given: str | None, output: Path | None, suffixes: dict[str, str]) -> str | None:
    """The format ``--format`` names or the extension of ``-o`` implies (``suffixes`` maps ``.md`` to
    ``markdown``); a conflict between the two is a usage error, neither is None."""
    implied = suffixes.get(output.suffix.lower()) if output is not None else None
    if given is not None and implied is not None and given != implied:
        raise typer.BadParameter(
            f"--format {given} does not match -o {output} (a {output.suffix} file is {implied}): "  # type: ignore[union-attr]
            "drop --format, or give the file the extension of the format you want",
            param_hint="'--format' / '--output'",
        )
    return given or implied


def name_argument(help: str, names: Callable[[], list[str]]) -> Any:
    """The optional NAME of a listing command (losses, backbones, datasets): one item shown in full,
    the shell completing it from ``names()``."""
    return typer.Argument(None, metavar="NAME", help=help, autocompletion=completes(names))


def completes(names: Callable[[], list[str]]) -> Callable[[str], list[str]]:
    """A shell-completion callback offering the ``names()`` that start with what is typed so far."""

    def complete(incomplete: str) -> list[str]:
        return [name for name in names() if name.startswith(incomplete)]

    return complete


def loss_names() -> list[str]:
    """Every loss name, read without importing torch (completion must stay quick)."""
    from talosbench.suite.components import loss_names as names

    return names()


def backbone_names() -> list[str]:
    """Every backbone name, read without importing torch."""
    from talosbench.suite.components import backbone_names as names

    return names()


def dataset_names() -> list[str]:
    """The catalog's datasets and those imported into the data home of ``$TALOSBENCH_HOME``."""
    from talosbench.suite.components import dataset_names as names

    return names()
