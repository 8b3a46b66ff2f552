"""``talosbench download``: fetch, verify and preprocess datasets, or import the user's own file."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.options import data_dir_option


def download(
    names: list[str] = typer.Argument(None, help="Datasets (default: the shipped suites')."),
    all_: bool = typer.Option(False, "--all", help="Fetch every catalog dataset."),
    data_dir: Path | None = data_dir_option(),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Base URL (http(s):// or file://) replacing every source's."
    ),
    force: bool = typer.Option(False, "--force", help="Fetch and preprocess again even when cached."),
    file: Path | None = typer.Option(
        None, "--file", help="Import your own CSV/TSV/Parquet file, RecBole .inter file or split folder."
    ),
    name: str | None = typer.Option(None, "--name", help="Dataset name for --file."),
    sep: str | None = typer.Option(
        None,
        "--sep",
        metavar="CHAR",
        help="Field separator of --file: one character, or tab (default: detected from the first line).",
    ),
    columns: str | None = typer.Option(
        None,
        "--columns",
        metavar="NAME=COLUMN",
        help="Header columns of --file holding user, item, rating, timestamp, comma-separated: e.g. "
        "user=userId,item=movieId (default: the columns named so, or user_id, item_id).",
    ),
    verify_md5: bool = typer.Option(
        True,
        "--verify-md5/--no-verify-md5",
        help="Check the publisher's md5 of a downloaded file; turn off only for a copy you vouch for "
        "(e.g. re-packed from the same ratings): its sha256 is still recorded.",
    ),
) -> None:
    """Download, verify and preprocess datasets, or import your own with --file PATH --name NAME."""
    from talosbench import suite
    from talosbench.cli.progress import DownloadProgress
    from talosbench.data.catalog import CATALOG
    from talosbench.data.entries import get_entry
    from talosbench.data.errors import DataError
    from talosbench.data.prepare import prepare_dataset
    from talosbench.data.store import data_home
    from talosbench.data.user_files import import_file

    progress = DownloadProgress()

    def event(message: str) -> None:
        progress.finish()
        typer.echo(message, err=True)

    if file is None and (sep is not None or columns is not None):
        raise typer.BadParameter(
            "--sep and --columns say how to read --file PATH", param_hint="--sep/--columns"
        )
    if file is not None or name is not None:
        if file is None or name is None:
            raise typer.BadParameter("--file and --name go together", param_hint="--file/--name")
        if names or all_:
            raise typer.BadParameter("give names or --file PATH --name NAME, not both", param_hint="NAME")
        out = import_file(
            file, name, data_dir=data_dir, force=force, on_event=event, sep=sep, columns=columns
        )
        typer.echo(f"{name}: {_format_stats(_read_stats(out))}  ({out})")
        return
    chosen = CATALOG.names() if all_ else (list(names) if names else suite.shipped_datasets())
    for n in chosen:  # every name is checked before anything is fetched
        get_entry(n, data_home(data_dir))
    failed: dict[str, DataError] = {}
    for n in chosen:  # one unreachable source must not keep the others from being fetched
        progress.reset()
        try:
            out = prepare_dataset(
                n,
                data_dir=data_dir,
                mirror=mirror,
                force=force,
                on_event=event,
                on_progress=progress,
                verify_md5=verify_md5,
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


def _format_stats(stats: dict[str, object]) -> str:
    return (
        f"users {stats['users']:,}  items {stats['items']:,}  interactions {stats['interactions']:,}  "
        f"density {float(stats['density']):.4%}"  # type: ignore[arg-type]
    )


def _read_stats(prepared: Path) -> dict[str, object]:
    from talosbench.data.store import read_meta

    return read_meta(prepared)["stats"]
