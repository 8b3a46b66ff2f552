"""Grid expansion: cells and exclusions, tuning points within a budget, resolved run configurations."""

from __future__ import annotations

from typing import Any

import pytest

from talosbench.suite import SuiteError, cells, dims, grid_size, parse_suite, point_config, points


def suite(**tables: Any):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {
        "suite": {"name": "g", "seeds": [3, 4]},
        "train": {"epochs": 7, "lr": 0.01},
        "grid": {
            "datasets": ["synthetic", "movielens-100k"],
            "scenarios": ["iid", "temporal"],
            "backbones": ["mf"],
            "losses": ["bpr", "sl", "talos"],
        },
    }
    data.update(tables)
    return parse_suite(data, "g.toml")


def test_cross_product_in_file_order() -> None:
    got = [str(c) for c in cells(suite())]
    assert len(got) == 2 * 2 * 1 * 3
    assert got[:4] == [
        "synthetic/iid/mf/bpr",
        "synthetic/iid/mf/sl",
        "synthetic/iid/mf/talos",
        "synthetic/temporal/mf/bpr",
    ]


def test_exclusions_match_every_given_key() -> None:
    s = suite(exclude=[{"dataset": "movielens-100k", "scenario": "temporal"}, {"loss": ["bpr", "sl"]}])
    got = {str(c) for c in cells(s)}
    assert got == {"synthetic/iid/mf/talos", "synthetic/temporal/mf/talos", "movielens-100k/iid/mf/talos"}


def test_scalars_fix_lists_tune() -> None:
    s = suite(losses={"talos": {"tau": [0.1, 0.2], "lr": [0.1, 0.01], "k": 10}, "sl": {"tau": 0.3}})
    talos = next(c for c in cells(s) if c.loss == "talos")
    assert [d.label for d in dims(s, talos)] == ["tau", "lr"]
    pts = points(s, talos)
    assert [p.as_dict() for p in pts] == [
        {"tau": 0.1, "lr": 0.1},
        {"tau": 0.1, "lr": 0.01},
        {"tau": 0.2, "lr": 0.1},
        {"tau": 0.2, "lr": 0.01},
    ]
    run = point_config(s, talos, pts[1], seed=4)
    assert run.loss_params == {"k": 10, "tau": 0.1}
    assert (run.lr, run.seed, run.epochs, run.loss) == (0.01, 4, 7, "talos")
    sl = next(c for c in cells(s) if c.loss == "sl")
    assert dims(s, sl) == ()
    assert point_config(s, sl, None, seed=3).loss_params == {"tau": 0.3}
    assert point_config(s, sl, None, seed=3).lr == 0.01  # the [train] value where the loss says nothing


def test_budget_samples_the_same_points_every_time_and_per_loss_override() -> None:
    taus = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    s = suite(
        suite={"name": "g", "budget": 4},
        losses={
            "talos": {"tau": taus, "lr": [0.1, 0.01]},
            "sl": {"tau": taus, "budget": 6},
            "bpr": {"lr": [0.1, 0.01]},
        },
    )
    by_loss = {c.loss: c for c in cells(s)}
    talos = points(s, by_loss["talos"])
    assert len(talos) == 4
    assert len({tuple(p.values) for p in talos}) == 4  # without replacement
    assert [p.values for p in talos] == [p.values for p in points(s, by_loss["talos"])]
    other = next(c for c in cells(s) if c.loss == "talos" and c.dataset == "movielens-100k")
    assert [p.values for p in points(s, other)] == [p.values for p in talos]  # same points on every dataset
    assert len(points(s, by_loss["sl"])) == 6  # its own budget
    assert len(points(s, by_loss["bpr"])) == 2  # a grid smaller than the budget is trained whole


def test_backbone_dims_and_preprocessing() -> None:
    s = suite(backbones={"mf": {}}, datasets={"synthetic": {"n_users": 50}})
    c = cells(s)[0]
    run = point_config(s, c, None, seed=3, device="cpu")
    assert run.preprocess == {"n_users": 50}
    assert run.device == "cpu"
    assert point_config(s, c, None, seed=3).device == "auto"
    assert run.run_id == point_config(s, c, None, seed=3).run_id  # the device is not part of the run id


def test_alias_trains_its_loss_under_its_label() -> None:
    aliases = {"talos@50": {"loss": "talos", "k": 50}, "talos@80": {"loss": "talos", "k": 80}}
    s = suite(grid={"datasets": ["synthetic"], "losses": ["talos@50", "talos@80"]}, losses=aliases)
    runs = {c.loss: point_config(s, c, None, seed=3) for c in cells(s)}
    assert {k: (r.loss, r.loss_params) for k, r in runs.items()} == {
        "talos@50": ("talos", {"k": 50}),
        "talos@80": ("talos", {"k": 80}),
    }


GRID = {"lr": [0.1, 0.01, 0.001], "weight_decay": [0.0, 1e-6, 1e-8], "tau": [0.05, 0.1, 0.2, 0.3]}


def _budgeted(losses: dict[str, Any], budget: int = 5):  # type: ignore[no-untyped-def]
    return suite(
        suite={"name": "g", "seeds": [3, 4], "budget": budget},
        grid={"datasets": ["synthetic"], "losses": list(losses)},
        losses=losses,
    )


def _shared(points_: list[Any]) -> set[tuple[Any, ...]]:
    return {tuple(p.as_dict()[k] for k in GRID) for p in points_}


def test_identical_grids_draw_identical_points_whatever_the_loss_label() -> None:
    # ablation.toml's four Talos variants share one grid: they must try the same points
    s = _budgeted({"talos": GRID, "talos-no-quantile": GRID, "sl": dict(reversed(GRID.items()))})
    drawn = {c.loss: _shared(points(s, c)) for c in cells(s)}
    assert len(drawn["talos"]) == 5 and drawn["talos"] == drawn["talos-no-quantile"] == drawn["sl"]


def test_shared_dimensions_are_tried_alike_and_only_extras_are_sampled() -> None:
    extras = {**GRID, "adv_interval": [5, 10, 15], "adv_lr": [1e-4, 1e-5]}
    s = _budgeted({"sl": GRID, "advinfonce": extras})
    by_loss = {c.loss: points(s, c) for c in cells(s)}
    assert len(by_loss["advinfonce"]) == 5 and len({p.values for p in by_loss["advinfonce"]}) == 5
    assert _shared(by_loss["advinfonce"]) == _shared(by_loss["sl"])  # as sl: only its extras are sampled
    # a budget over the shared grid's 36 combinations tries every one of them, no point twice
    wide = _budgeted({"sl": GRID, "advinfonce": extras}, budget=40)
    adv = points(wide, next(c for c in cells(wide) if c.loss == "advinfonce"))
    assert len({p.values for p in adv}) == 40 and len(_shared(adv)) == 36


def test_grid_size_counts_the_full_grid() -> None:
    s = _budgeted({"sl": GRID})
    assert grid_size(s, cells(s)[0]) == 36 and len(points(s, cells(s)[0])) == 5


def test_vary_split_reaches_every_run_and_leaves_a_suite_without_it_alone() -> None:
    plain = suite()
    varied = suite(suite={"name": "g", "seeds": [3, 4], "vary_split": True})
    assert (plain.vary_split, varied.vary_split) == (False, True)
    cell = cells(plain)[0]
    before, after = point_config(plain, cell, None, seed=3), point_config(varied, cell, None, seed=3)
    assert before.run_split_seed == before.split_seed == 2024 and not before.vary_split
    assert after.vary_split and after.run_split_seed != 2024
    assert after.run_split_seed != point_config(varied, cell, None, seed=4).run_split_seed
    assert after.run_id != before.run_id


def test_temporal_split_options_reach_temporal_runs_only() -> None:
    plain = suite()
    shifted = suite(datasets={"synthetic": {"valid": "latest", "train_k_core": 5, "cold": "keep"}})
    by_cell = {(c.dataset, c.scenario, c.loss): c for c in cells(shifted)}
    iid, temporal = by_cell[("synthetic", "iid", "sl")], by_cell[("synthetic", "temporal", "sl")]
    assert point_config(shifted, temporal, None, seed=3).preprocess == {
        "cold": "keep",
        "train_k_core": 5,
        "valid": "latest",
    }
    # iid does not read them: its runs are those of a suite without them (cold, read by all, stays).
    assert point_config(shifted, iid, None, seed=3).preprocess == {"cold": "keep"}
    bare = suite(datasets={"synthetic": {"cold": "keep"}})
    assert point_config(shifted, iid, None, seed=3).run_id == point_config(bare, iid, None, seed=3).run_id
    assert point_config(plain, temporal, None, seed=3).preprocess == {}


def test_temporal_split_options_are_checked_when_the_suite_loads() -> None:
    with pytest.raises(SuiteError, match=r"\[datasets.synthetic\] valid: .*random, latest"):
        suite(datasets={"synthetic": {"valid": "newest"}})
    with pytest.raises(SuiteError, match=r"\[datasets.synthetic\] train_k_core: must be >= 0"):
        suite(datasets={"synthetic": {"train_k_core": -2}})
