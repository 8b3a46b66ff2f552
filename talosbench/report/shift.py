"""The shift tables: each split's shift diagnostics, and each loss's drop from iid to a shifted split."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from typing import Any

import polars as pl

from talosbench.report.table import (
    BACKBONES,
    DASH,
    Table,
    fmt_metric,
    fmt_num,
    mean_std,
    order,
    paper_losses,
    runs_by_cell,
    scenarios,
)

IID = "iid"
PARTS = {"train": "training", "valid": "validation", "test": "test"}
# Each diagnostic of ``data.scenarios.diagnostics`` (and the scenarios' extras) as a reader names it,
# with its unit; "{part}" is the split part of a nested key (``sizes.train``). Unknown keys stay raw.
NAMES: dict[str, tuple[str, str]] = {
    "sizes": ("{part} interactions", "count"),
    "fractions": ("{part} share of interactions", "%"),
    "users": ("users in {part}", "count"),
    "items": ("items in {part}", "count"),
    "js_divergence_item_popularity": ("item popularity shift, training vs test (Jensen-Shannon)", "0-1"),
    "dropped_cold": ("cold {part} rows dropped", "count"),
    "cold_kept": ("cold {part} rows kept and evaluated", "count"),
    "valid_carved_from_train": ("validation carved from training", "yes / no"),
    "cold_users": ("{part} users absent from training", "count"),
    "cold_items": ("{part} items absent from training", "count"),
    "train_k_core_dropped": ("training rows dropped by the training-period k-core", "count"),
}


def diagnostics_table(final: pl.DataFrame) -> Table:
    """One row per diagnostic, one column per dataset/scenario (diagnostics outnumber splits)."""
    table = Table("shift", "Shift: split diagnostics", ["diagnostic", "unit"])
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for dataset, scenario, blob in final.select("dataset", "scenario", "split").unique().iter_rows():
        if blob is not None:
            found.setdefault((dataset, scenario), []).append(_flatten(json.loads(blob)))
    splits = [
        (d, s) for d in order({d for d, _ in found}) for s in scenarios({s for x, s in found if x == d})
    ]
    names = list(dict.fromkeys(name for runs in found.values() for split in runs for name in split))
    names.sort(key=_diagnostic_order)
    merged = {
        where: {name: _merge([split[name] for split in found[where] if name in split]) for name in names}
        for where in splits
    }
    table.columns += [f"{dataset}/{scenario}" for dataset, scenario in splits]
    table.column_datasets = {2 + i: dataset for i, (dataset, _) in enumerate(splits)}
    table.column_scenarios = {2 + i: scenario for i, (_, scenario) in enumerate(splits)}
    for name in names:
        label, unit = diagnostic_name(name)
        table.add(label, unit, *(_text(merged[where][name], unit) for where in splits))
    table.records += [
        {
            "dataset": dataset,
            "scenario": scenario,
            "metric": name,
            "label": diagnostic_name(name)[0],
            "unit": diagnostic_name(name)[1],
            "value": float(value) if isinstance(value, (int, float)) else None,
            "text": _text(value, diagnostic_name(name)[1]),
        }
        for (dataset, scenario), values in merged.items()
        for name, value in values.items()
        if value is not None
    ]
    table.footer = [
        "Diagnostics of each split as the data module reports them (mean over runs where splits differ); "
        "cold rows: validation or test rows whose user or item never occurs in training."
        if table.rows
        else "the runs carry no split diagnostics."
    ]
    return table


def drop_table(final: pl.DataFrame, metric: str, baseline: str) -> Table:
    """Per dataset, backbone and loss: test metric on iid and on each shift, and the relative drop."""
    table = Table("shift", f"Shift: drop of test {metric} from iid", ["dataset", "backbone", "loss"])
    cells = runs_by_cell(final)
    shifted = [s for s in scenarios({k[1] for k in cells}) if s != IID]
    for scenario in shifted:
        table.columns += [f"{scenario} {metric}", f"{scenario} drop %"]
    if IID not in {k[1] for k in cells} or not shifted:
        table.footer = ["No drop to report: it needs iid runs and runs of at least one shift scenario."]
        return table
    table.columns.insert(3, f"{IID} {metric}")
    # Columns: dataset, backbone, loss, iid, then a value and a drop per shifted scenario.
    table.column_scenarios = {3: IID} | {4 + 2 * i + j: s for i, s in enumerate(shifted) for j in (0, 1)}
    for dataset in order({k[0] for k in cells}):
        first = True
        for backbone in order({k[2] for k in cells if k[0] == dataset}, BACKBONES):
            losses = {k[3] for k in cells if k[0] == dataset and k[2] == backbone}
            for loss in order(losses, paper_losses(), last=baseline):
                row: list[str] = [dataset, backbone, loss]
                reference, reference_text = _mean((dataset, IID, backbone, loss), cells, metric)
                row.append(reference_text)
                for scenario in shifted:
                    mean, text = _mean((dataset, scenario, backbone, loss), cells, metric)
                    drop = (reference - mean) / reference * 100 if reference and mean is not None else None
                    row += [text, DASH if drop is None else f"{drop:+.2f}%"]
                    table.records.append(
                        {
                            "dataset": dataset,
                            "scenario": scenario,
                            "backbone": backbone,
                            "loss": loss,
                            "metric": "drop_pct",
                            "of": metric,
                            "value": drop,
                            "iid": reference,
                            "shifted": mean,
                        }
                    )
                table.add(*row, rule=first)
                first = False
    table.footer = [
        f"Drop %: (iid − shifted) / iid × 100 of the mean test {metric}; positive = worse under shift. "
        "Only cells with every seed completed enter a drop."
    ]
    return table


def _mean(key: tuple[str, ...], cells: Mapping, metric: str) -> tuple[float | None, str]:
    runs = cells.get(key)
    if runs is None:
        return None, f"{DASH} (no runs)"
    mean, std = mean_std(runs.values(f"test_{metric}"))
    if not runs.complete:
        return None, f"{fmt_metric(mean, std)} ({runs.summary()})"
    return mean, fmt_metric(mean, std)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def _merge(values: list[Any]) -> Any:
    if values and all(value == values[0] for value in values):
        return values[0]
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(values):
        return statistics.fmean(numbers)
    return values[0] if values else None


def diagnostic_name(key: str) -> tuple[str, str]:
    """The readable name and unit of a flattened diagnostic key (``fractions.train``); raw if unknown."""
    group, _, part = key.partition(".")
    if group not in NAMES or (part and part not in PARTS) or ("{part}" in NAMES[group][0]) != bool(part):
        return key, ""
    label, unit = NAMES[group]
    return label.format(part=PARTS.get(part, part)), unit


def _diagnostic_order(key: str) -> tuple[int, int]:
    """Named diagnostics in ``NAMES`` order, parts as training, validation, test; unknown ones after."""
    group, _, part = key.partition(".")
    groups, parts = list(NAMES), list(PARTS)
    rank = groups.index(group) if group in groups else len(groups)
    return rank, parts.index(part) if part in parts else 0


def _text(value: Any, unit: str = "") -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "%" and isinstance(value, (int, float)):
        return f"{value * 100:.1f}"
    if unit == "count" and isinstance(value, (int, float)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if isinstance(value, float) and not value.is_integer():
        return fmt_num(value) if abs(value) >= 1 or value == 0 else f"{value:.4f}"
    return str(value)
