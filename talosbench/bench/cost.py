"""The cost model of a run: seconds of an epoch and of an evaluation pass at a dataset's sizes.

An epoch is ``ceil(training rows / batch)`` batches. A batch costs its rows times the per-row work of
the scoring path the scorer picks on this device (``_row_work``: the scored item columns and the
negatives), a fixed part that does not shrink with the negatives (``_batch_cost``), and, for a graph
backbone (LightGCN, XSimGCL), one propagation over the users, items and
training edges, which does not shrink with the batch: that part of an epoch grows as rows x (rows +
users + items). An evaluation pass scores every user against every item (after one propagation).

The seconds per unit of work come from bench figures of this device (``talosbench bench``, or the
short calibration of ``bench/calibrate.py``): a loss's from its figure with MF, the one nearest in
catalogue size; a graph backbone's propagation from the difference between its figure and MF's with
the same loss at the same size. A dataset's sizes are its prepared statistics, or, before it is
downloaded, the catalog's (``DatasetEntry.sizes``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talosbench.bench.figures import load_results
from talosbench.config import RunConfig
from talosbench.data import DataError
from talosbench.data.summary import dataset_summary
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.device_form import DeviceError

if TYPE_CHECKING:
    import torch

NEGATIVE_WORK = 8
"""Per-negative work (sampling, the loss, gradients) in units of one scored item column; at Beauty
scale with 1024 negatives this puts about half an epoch in each part, as profiled."""
SPARSE_TABLE_WORK = 0.25
"""Per-row share of the per-batch work over the whole item table on the sparse (CPU) path, per item
(its normalisation and the Adam step, which do not shrink with fewer rows), where no wide figure
measures it on this device (``_table_work``); fitted once to MF + SL at Beauty and Gowalla scale."""
CALIBRATION_SCALE = "calibration"
"""The scale name calibration figures are stored under in ``bench.json`` (``bench/calibrate.py``)."""
CALIBRATION_FEW_SCALE = "calibration-few"
"""The scale of the second figure of each loss with MF, at other negatives (``_batch_cost``)."""
WIDE_SCALE = "calibration-wide"
"""The scale of the calibration's figure of MF with ``REFERENCE_LOSS`` over a wide catalogue: beside
its figures at the calibration's width, at two negative counts, it measures ``_table_work``."""
POSITIVE_WORK = 36.0
"""Work per training positive of a row's user for a loss that scores every positive of its batch
users (Talos, SL@K: ``needs_positive_scores``), in units of one scored item column: such a loss
costs more per row the denser the data, which a figure at one density does not show. Fitted to MF
with Talos and SL@K against SL on MovieLens-100K (60 positives per user; 8 at calibration), where
without it they cost 1.4-1.6x their price and SL 1.1-1.3x, with it 1.1-1.3x as SL."""
TRAIN_SHARE = 0.7
"""Share of a dataset's interactions that a split trains on (iid: about 63-72 %, docs/protocol.md §6.2)."""
BENCH_BATCH: int = next(f.default for f in fields(RunConfig) if f.name == "batch_size")
"""The batch size bench figures are measured with: a run's default."""
PLAIN_BACKBONE = "mf"
"""The backbone without propagation, whose figures price each loss's own work."""
REFERENCE_LOSS = "sl"
"""The loss whose figures with each graph backbone price its propagation when the run's loss has none."""

Figure = Mapping[str, Any]


@dataclass(frozen=True)
class Sizes:
    """What a run's cost depends on in its dataset."""

    users: int
    items: int
    train_rows: int
    published: bool
    """True: the catalog's sizes of a dataset not prepared yet; False: its prepared statistics."""


def dataset_sizes(config: RunConfig, data_dir: Path | None) -> Sizes | None:
    """The sizes of ``config``'s dataset: prepared statistics, else the catalog's; None when unknown.

    The catalog's sizes hold for its own preprocessing only: a suite's overrides need the data prepared.
    """
    try:
        summary = dataset_summary(config.dataset, data_dir, config.preprocess or None)
    except DataError:
        return None
    stats, entry = summary["stats"], summary["entry"]
    if stats:
        rows = int(stats["interactions"] * TRAIN_SHARE)
        return Sizes(int(stats["users"]), int(stats["items"]), rows, published=False)
    if config.preprocess or entry.sizes is None:
        return None
    users, items, interactions = entry.sizes
    return Sizes(users, items, int(interactions * TRAIN_SHARE), published=True)


@dataclass(frozen=True)
class RunCost:
    """Seconds of one run's parts on one device, at one dataset's sizes."""

    epoch: float
    """One normal training epoch."""
    adversarial: float
    """One adversarial epoch (AdvInfoNCE's ascent); 0 for a loss without, or a figure without them."""
    evaluation: float
    """One full-ranking evaluation pass."""
    measured_at: str
    """When the figures it rests on were measured (``YYYY-MM-DD``; the latest of them)."""


def _row_work(
    n_items: int,
    negatives: int,
    device_type: str,
    dim: int = 64,
    positives: float = 0.0,
    table_work: float = SPARSE_TABLE_WORK,
) -> float:
    """Per-row work of the scoring path the scorer picks (``Scorer.choose_path``) plus the negatives,
    plus ``positives`` (training positives per row, ``_positives``) at ``POSITIVE_WORK`` each; on the
    sparse path the item table costs ``table_work`` per item (``_table_work``)."""
    from talosbench.train.scoring import Scorer  # torch: imported only where a bench figure prices a run

    negatives = max(negatives, 1)
    path = Scorer(False, n_items).choose_path(1024, negatives, dim, device_type)
    if path == "sparse":
        return float(2 * NEGATIVE_WORK * negatives + table_work * n_items + POSITIVE_WORK * positives)
    scored = n_items if path == "full" else negatives * dim
    return float(scored + NEGATIVE_WORK * negatives + POSITIVE_WORK * positives)


def _positives(loss: str, rows: int, users: int) -> float:
    """Training positives per training row that ``loss`` scores besides its negatives: its users' mean
    (rows / users) for a loss that scores every positive of its batch users, else none (and none
    where the users are not known, 0)."""
    return rows / users if users > 0 and DECLARED_LOSSES.get(loss).needs_positive_scores else 0.0


def device_figures(device: str | torch.device, data_dir: Path | None) -> tuple[list[Figure], str] | None:
    """The stored bench figures of this device and its type (``cpu``, ``cuda``); None without any.

    Torch is asked which device this is (seconds) only when some figure is stored.
    """
    usable = [
        r
        for r in load_results(data_dir).values()
        if isinstance(r, dict) and r.get("n_train_rows") and r.get("train_seconds_per_epoch")
    ]
    if not usable:
        return None
    import torch

    from talosbench.device import device_name, resolve_device

    try:
        resolved = device if isinstance(device, torch.device) else resolve_device(device)
        name = device_name(resolved)
    except (DeviceError, RuntimeError):
        return None
    mine = [r for r in usable if r.get("device") == name]
    return (mine, resolved.type) if mine else None


def _nearest(figures: list[Figure], n_items: int) -> Figure:
    """The figure measured nearest in catalogue size (log scale)."""
    return min(figures, key=lambda r: abs(np.log(max(n_items, 1) / max(int(r["n_items"]), 1))))


def _units(rows: int, users: int, items: int) -> int:
    """Nodes and edges one propagation goes over."""
    return rows + users + items


def _propagation(figures: list[Figure], backbone: str, loss: str, n_items: int) -> tuple[float, str] | None:
    """Seconds of one propagation of ``backbone`` per node and edge, and when it was measured.

    Its figure less MF's with the same loss at the same size, per batch, per node and edge; the
    run's loss where both are stored, else ``REFERENCE_LOSS``, else any; the one nearest in size.
    """
    pairs = []
    for graph in figures:
        if graph["backbone"] != backbone:
            continue
        for plain in figures:
            if (plain["backbone"], plain["loss"], plain.get("scale")) == (
                PLAIN_BACKBONE,
                graph["loss"],
                graph.get("scale"),
            ) and plain["n_items"] == graph["n_items"]:
                pairs.append((graph, plain))
    if not pairs:
        return None
    for wanted in (loss, REFERENCE_LOSS):
        if same := [p for p in pairs if p[0]["loss"] == wanted]:
            pairs = same
            break
    graph, plain = min(pairs, key=lambda p: abs(np.log(max(n_items, 1) / max(int(p[0]["n_items"]), 1))))
    rows = int(graph["n_train_rows"])
    extra = max(float(graph["train_seconds_per_epoch"]) - float(plain["train_seconds_per_epoch"]), 0.0)
    per_unit = (
        extra / math.ceil(rows / BENCH_BATCH) / _units(rows, int(graph["n_users"]), int(graph["n_items"]))
    )
    return per_unit, max(_day(graph), _day(plain))


def _reference_figures(figures: list[Figure]) -> dict[str, Figure]:
    """This device's figures of MF with ``REFERENCE_LOSS``, by scale (the calibration's among them)."""
    return {
        str(r.get("scale")): r
        for r in figures
        if (r["backbone"], r["loss"]) == (PLAIN_BACKBONE, REFERENCE_LOSS)
    }


def _table_work(figures: list[Figure], kind: str) -> float:
    """Work per catalogue item of a row on the sparse path, as measured on this device.

    From three figures of MF with ``REFERENCE_LOSS``: two at the calibration's width and two
    negative counts give the seconds per row and unit of work (``_two_figure_fit``; the table's share
    is the same in both), and the wide one, at the first one's negatives, what each item adds to a row.
    Without them, or where a fit is not positive (timing noise): ``SPARSE_TABLE_WORK``.
    """
    scaled = _reference_figures(figures)
    narrow, few, wide = (scaled.get(name) for name in (CALIBRATION_SCALE, CALIBRATION_FEW_SCALE, WIDE_SCALE))
    if narrow is None or few is None or wide is None or int(wide["negatives"]) != int(narrow["negatives"]):
        return SPARSE_TABLE_WORK
    items = int(narrow["n_items"])
    if int(wide["n_items"]) <= items:
        return SPARSE_TABLE_WORK
    fit = _two_figure_fit(narrow, few, kind, SPARSE_TABLE_WORK)  # the table's share cancels in it
    if fit is None or fit[0] <= 0:
        return SPARSE_TABLE_WORK
    per_work = fit[0]
    per_row = {
        name: float(r["train_seconds_per_epoch"]) / int(r["n_train_rows"]) for name, r in scaled.items()
    }
    work = (per_row[WIDE_SCALE] - per_row[CALIBRATION_SCALE]) / per_work / (int(wide["n_items"]) - items)
    return work if work > 0 else SPARSE_TABLE_WORK


def _eval_parts(figures: list[Figure]) -> tuple[float, float]:
    """Seconds of an evaluation pass per user, and per user and item, as measured on this device.

    From MF with ``REFERENCE_LOSS`` at the calibration's width and the wide figure (the same users):
    a pass also costs per user what does not grow with the catalogue (selecting and ordering its top
    K). Without both, or where the fit is not positive: all of it per user and item (0, 1).
    """
    scaled = _reference_figures(figures)
    narrow, wide = scaled.get(CALIBRATION_SCALE), scaled.get(WIDE_SCALE)
    if narrow is None or wide is None or not narrow.get("eval_seconds") or not wide.get("eval_seconds"):
        return 0.0, 1.0
    users, items, wide_items = int(narrow["n_users"]), int(narrow["n_items"]), int(wide["n_items"])
    if int(wide["n_users"]) != users or wide_items <= items:
        return 0.0, 1.0
    per_item = (float(wide["eval_seconds"]) - float(narrow["eval_seconds"])) / users / (wide_items - items)
    per_user = float(narrow["eval_seconds"]) / users - per_item * items
    return (per_user, per_item) if per_item > 0 and per_user > 0 else (0.0, 1.0)


def _batch_cost(ref: Figure, figures: list[Figure], kind: str, table_work: float) -> tuple[float, float]:
    """Seconds per training row and unit of per-row work, and seconds per batch, of ``ref``'s pair.

    A batch also costs what does not shrink with its negatives (Python, launching operations, the
    optimiser's bookkeeping): with a second figure of the pair at the same size and other negatives
    (the calibration measures one, ``bench/calibrate.py``), the two are fitted through both figures.
    Without one, or where the fit is not positive (timing noise), all of an epoch is per-row work.
    """
    for other in figures:
        fit = _two_figure_fit(ref, other, kind, table_work)
        if fit is not None and fit[0] > 0 and fit[1] > 0:
            return fit
    rows, seconds = int(ref["n_train_rows"]), float(ref["train_seconds_per_epoch"])
    return seconds / (rows * _work(ref, int(ref["negatives"]), kind, table_work)), 0.0


def _two_figure_fit(ref: Figure, other: Figure, kind: str, table_work: float) -> tuple[float, float] | None:
    """(seconds per row and unit of work, seconds per batch) through ``ref`` and ``other``, figures of
    one pair at one size with other negatives; None where ``other`` is not such a figure."""
    rows, items, negatives = int(ref["n_train_rows"]), int(ref["n_items"]), int(ref["negatives"])
    same_size = (other["backbone"], other["loss"], int(other["n_items"]), int(other["n_train_rows"]))
    if same_size != (ref["backbone"], ref["loss"], items, rows) or int(other["negatives"]) == negatives:
        return None
    work = _work(ref, negatives, kind, table_work)
    other_work = _work(ref, int(other["negatives"]), kind, table_work)
    if other_work == work:
        return None
    seconds = float(ref["train_seconds_per_epoch"])
    per_work = (seconds - float(other["train_seconds_per_epoch"])) / (rows * (work - other_work))
    return per_work, (seconds - per_work * rows * work) / math.ceil(rows / BENCH_BATCH)


def _work(figure: Figure, negatives: int, kind: str, table_work: float) -> float:
    """``_row_work`` of a row of ``figure``'s data with ``negatives``."""
    rows = int(figure["n_train_rows"])
    positives = _positives(str(figure["loss"]), rows, int(figure.get("n_users") or 0))
    return _row_work(int(figure["n_items"]), negatives, kind, positives=positives, table_work=table_work)


def _day(figure: Figure) -> str:
    return str(figure.get("measured_at") or "")[:10]


def run_cost(
    sizes: Sizes,
    backbone: str,
    loss: str,
    negatives: int | None,
    batch_size: int,
    device: str | torch.device,
    data_dir: Path | None,
) -> RunCost | None:
    """What one epoch, adversarial epoch and evaluation pass cost at ``sizes``; None without figures.

    A loss's work is scaled from its nearest figure with MF linearly in rows and the per-row work of
    this device's scoring path, plus a per-batch cost where two figures separate it (``_batch_cost``);
    a graph backbone adds its propagation (``_propagation``) once per
    batch and once per evaluation pass. Without MF's figure of the loss, or a way to price the
    propagation, the figure of the backbone and loss themselves is scaled as MF's is. ``negatives``
    None means the loss's default.
    """
    if loss not in DECLARED_LOSSES:
        return None
    found = device_figures(device, data_dir)
    if found is None:
        return None
    figures, kind = found
    negatives = DECLARED_LOSSES.get(loss).negatives(negatives)
    # The wide figure measures the table's work only: without a partner at other negatives it would
    # price all of a batch as per-row work, while the narrow pair, scaled by it, prices both.
    plain = [
        r
        for r in figures
        if (r["backbone"], r["loss"]) == (PLAIN_BACKBONE, loss) and r.get("scale") != WIDE_SCALE
    ]
    own = [r for r in figures if (r["backbone"], r["loss"]) == (backbone, loss)]
    graph = None if backbone == PLAIN_BACKBONE else _propagation(figures, backbone, loss, sizes.items)
    if plain and (backbone == PLAIN_BACKBONE or graph is not None):
        ref = _nearest(plain, sizes.items)
    elif own:
        ref, graph = _nearest(own, sizes.items), None
    else:
        return None
    table_work = _table_work(figures, kind)
    per_work, per_batch = _batch_cost(ref, figures, kind, table_work)
    positives = _positives(loss, sizes.train_rows, sizes.users)
    row_work = _row_work(sizes.items, negatives, kind, positives=positives, table_work=table_work)
    epoch = per_work * row_work * sizes.train_rows
    epoch += per_batch * math.ceil(sizes.train_rows / batch_size)
    # A full-ranking pass ranks every item for every user: users x (a per-user part + items x a
    # per-item part), the two parts measured where the wide figure allows (``_eval_parts``).
    per_user, per_item = _eval_parts(figures)
    ref_users, ref_items = int(ref.get("n_users") or sizes.users), int(ref["n_items"])
    evaluation = (
        float(ref.get("eval_seconds") or 0.0)
        * sizes.users
        * (per_user + per_item * sizes.items)
        / max(ref_users * (per_user + per_item * ref_items), 1e-30)
    )
    # An adversarial epoch scales as a normal one does: the same rows, negatives and scoring path.
    adversarial = epoch * float(ref.get("adversarial_seconds") or 0.0) / float(ref["train_seconds_per_epoch"])
    measured = _day(ref)
    if graph is not None:
        per_unit, graph_day = graph
        propagation = per_unit * _units(sizes.train_rows, sizes.users, sizes.items)
        batches = math.ceil(sizes.train_rows / batch_size)
        epoch += propagation * batches
        adversarial += propagation * batches if adversarial else 0.0
        evaluation += propagation
        measured = max(measured, graph_day)
    return RunCost(epoch, adversarial, evaluation, measured)


def estimate_run_seconds(
    n_train_rows: int,
    n_items: int,
    backbone: str,
    loss: str,
    negatives: int | None,
    epochs: int,
    device: str | torch.device,
    *,
    data_dir: Path | None = None,
    n_users: int = 0,
    batch_size: int = BENCH_BATCH,
) -> float | None:
    """Training seconds of ``epochs`` normal epochs by the cost model (``run_cost``); None without figures.

    ``n_users`` counts only for a graph backbone's propagation and a loss that scores its users'
    positives (``_positives``); 0 leaves both out.
    """
    sizes = Sizes(n_users, n_items, n_train_rows, published=False)
    cost = run_cost(sizes, backbone, loss, negatives, batch_size, device, data_dir)
    return None if cost is None else cost.epoch * epochs
