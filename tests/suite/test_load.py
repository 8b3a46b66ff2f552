"""Suite validation: every kind of bad input fails with one message naming file, key path and choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.suite import SuiteError, load_suite

BASE = """
[suite]
name = "t"
seeds = [1, 2]

[train]
epochs = 3

[grid]
datasets = ["synthetic"]
scenarios = ["iid"]
backbones = ["mf"]
losses = ["bpr", "talos"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message  # every message names the file first
    return message


def test_base_suite_loads(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE))
    assert suite.name == "t"
    assert suite.seeds == (1, 2)
    assert suite.train["epochs"] == 3
    assert suite.losses == ("bpr", "talos")
    assert suite.valid_metric == "precision@20"
    assert suite.loss_tables["talos"].name == "talos"


def test_missing_file() -> None:
    with pytest.raises(SuiteError, match=r"nope\.toml: no such suite file"):
        load_suite("nope.toml")


def test_invalid_toml(tmp_path: Path) -> None:
    assert "not valid TOML" in error(tmp_path, "[suite\nname=1")


def test_unknown_table_did_you_mean(tmp_path: Path) -> None:
    message = error(tmp_path, BASE + "\n[trian]\nepochs = 2\n")
    assert "trian: unknown table. Did you mean 'train'?" in message
    assert "Valid tables: suite, train, eval, grid" in message


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace("epochs = 3", "epoch = 3"))
    assert "[train] epoch: unknown key. Did you mean 'epochs'?" in message
    assert "Valid keys in [train]: lr, weight_decay, epochs, batch_size" in message


def test_missing_required_table_and_key(tmp_path: Path) -> None:
    assert "[grid]: missing table" in error(tmp_path, BASE[: BASE.index("[grid]")])
    assert "[suite] name: missing; it is required" in error(tmp_path, BASE.replace('name = "t"', ""))


def test_wrong_types(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace("epochs = 3", 'epochs = "3"'))
    assert "[train] epochs: must be an integer, got a string ('3')" in message
    message = error(tmp_path, BASE.replace("epochs = 3", "epochs = true"))
    assert "[train] epochs: must be an integer, got a boolean (True)" in message
    message = error(tmp_path, BASE.replace("seeds = [1, 2]", "seeds = 1"))
    assert "[suite] seeds: must be a list, got an integer (1)" in message
    message = error(tmp_path, BASE.replace('datasets = ["synthetic"]', 'datasets = "synthetic"'))
    assert "[grid] datasets: must be a list" in message


def test_out_of_range(tmp_path: Path) -> None:
    assert "[train] epochs: must be >= 1, got 0" in error(tmp_path, BASE.replace("epochs = 3", "epochs = 0"))
    message = error(tmp_path, BASE.replace("epochs = 3", "lr = -0.1"))
    assert "[train] lr: must be >= 0, got -0.1" in message
    message = error(tmp_path, BASE.replace("epochs = 3", 'device = "gpu"'))
    assert "[train] device: must be auto, cpu, cuda or cuda:N, got 'gpu'" in message
    assert "must not repeat a seed" in error(tmp_path, BASE.replace("[1, 2]", "[1, 1]"))


def test_empty_lists(tmp_path: Path) -> None:
    assert "[grid] losses: must not be empty" in error(tmp_path, BASE.replace('["bpr", "talos"]', "[]"))


def test_unknown_names_with_choices(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace('"talos"]', '"tals"]'))
    assert "[grid] losses[1]: unknown loss 'tals'. Did you mean 'talos'?" in message
    assert "Valid choices: " in message and "bpr" in message and "psl" in message
    message = error(tmp_path, BASE.replace('["mf"]', '["mff"]'))
    assert "[grid] backbones[0]: unknown backbone 'mff'. Did you mean 'mf'?" in message
    message = error(tmp_path, BASE.replace('["iid"]', '["idd"]'))
    assert "[grid] scenarios[0]: unknown scenario 'idd'. Did you mean 'iid'?" in message
    message = error(tmp_path, BASE.replace('["synthetic"]', '["movielens-100"]'))
    assert "[grid] datasets[0]: unknown dataset 'movielens-100'. Did you mean 'movielens-100k'?" in message


def test_metrics(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace('name = "t"', 'name = "t"\nvalid_metric = "precison@20"'))
    assert "[suite] valid_metric: unknown metric 'precison'. Did you mean 'precision'?" in message
    message = error(tmp_path, BASE.replace('name = "t"', 'name = "t"\nvalid_metric = "recall"'))
    assert "must look like 'precision@20' (metric@K), got 'recall'" in message
    message = error(tmp_path, BASE + '\n[eval]\nmetrics = ["ndgc"]\n')
    assert "[eval] metrics[0]: unknown metric 'ndgc'. Did you mean 'ndcg'?" in message


def test_loss_hyper_parameters(tmp_path: Path) -> None:
    message = error(tmp_path, BASE + "\n[losses.talos]\ntua = 0.1\n")
    assert "[losses.talos] tua: unknown hyper-parameter of loss 'talos'. Did you mean 'tau'?" in message
    assert "Valid: tau, k, lr2, lr, weight_decay, negatives" in message
    message = error(tmp_path, BASE + '\n[losses.talos]\ntau = [0.1, "x"]\n')
    assert "[losses.talos] tau[1]: tau must be a number, got a string ('x')" in message
    message = error(tmp_path, BASE + "\n[losses.talos]\nnegatives = [8, 0]\n")
    assert "[losses.talos] negatives[1]: must be >= 1, got 0" in message
    message = error(tmp_path, BASE + "\n[losses.talos]\ntau = []\n")
    assert "[losses.talos] tau: an empty list has no value to try" in message
    message = error(tmp_path, BASE + "\n[losses.talos]\ntau = [0.1, 0.1]\n")
    assert "[losses.talos] tau: must not repeat a value" in message
    message = error(tmp_path, BASE + "\n[losses.talos]\nbudget = 0\n")
    assert "[losses.talos] budget: must be >= 1, got 0" in message


def test_loss_table_outside_grid(tmp_path: Path) -> None:
    message = error(tmp_path, BASE + "\n[losses.tallos]\ntau = 0.1\n")
    expected = "[losses.tallos]: is not in [grid] losses. Did you mean 'talos'? Grid losses: bpr, talos"
    assert expected in message


def test_alias(tmp_path: Path) -> None:
    text = BASE.replace('"talos"]', '"talos@50"]') + '\n[losses."talos@50"]\nloss = "talos"\nk = 50\n'
    suite = load_suite(write(tmp_path, text))
    table = suite.loss_tables["talos@50"]
    assert (table.name, table.fixed) == ("talos", {("loss", "k"): 50})
    message = error(tmp_path, BASE.replace('"talos"]', '"talos@50"]'))
    assert "[grid] losses[1]: unknown loss 'talos@50'" in message and 'loss = "<registered name>"' in message
    message = error(tmp_path, text.replace('loss = "talos"', 'loss = "taloss"'))
    assert "[losses.\"talos@50\"] loss: unknown loss 'taloss'. Did you mean 'talos'?" in message


def test_backbone_table(tmp_path: Path) -> None:
    message = error(tmp_path, BASE + "\n[backbones.lightgcn]\nlayers = 2\n")
    assert "[backbones.lightgcn]: is not in [grid] backbones" in message
    message = error(tmp_path, BASE + "\n[backbones.mf]\nbudget = 2\n")
    assert "[backbones.mf] budget: only a [losses.<label>] table takes this key" in message


def test_a_rule_between_hyper_parameters_holds_for_every_combination_tried(tmp_path: Path) -> None:
    # A trial whose run cannot be configured would stop the suite when its turn came: refused up front.
    grid = BASE.replace('backbones = ["mf"]', 'backbones = ["xsimgcl"]')
    assert load_suite(write(tmp_path, grid + "\n[backbones.xsimgcl]\nlayers = [2, 3]\ncl_layer = 1\n"))
    message = error(tmp_path, grid + "\n[backbones.xsimgcl]\nlayers = [1, 2]\ncl_layer = 1\n")
    assert "[backbones.xsimgcl]: cl_layer must be below layers (1), got 1" in message


def test_dataset_preprocessing(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE + "\n[datasets.synthetic]\nn_users = 100\n"))
    assert suite.preprocess == {"synthetic": {"n_users": 100}}
    message = error(tmp_path, BASE + "\n[datasets.synthetic]\nn_user = 100\n")
    assert "[datasets.synthetic] n_user: unknown preprocessing option of dataset 'synthetic'." in message
    assert "Did you mean 'n_users'?" in message
    message = error(tmp_path, BASE + "\n[datasets.synthetic]\nk_core = 2.5\n")
    assert "[datasets.synthetic] k_core: must be an integer, got float (2.5)" in message
    assert "is not in [grid] datasets" in error(tmp_path, BASE + "\n[datasets.gowalla]\nk_core = 2\n")


def test_dataset_cold_split_option(tmp_path: Path) -> None:
    from talosbench.suite import cells, point_config

    suite = load_suite(write(tmp_path, BASE + '\n[datasets.synthetic]\ncold = "keep"\n'))
    assert suite.preprocess == {"synthetic": {"cold": "keep"}}
    assert point_config(suite, cells(suite)[0], None, 1).preprocess == {"cold": "keep"}  # in the run id
    default = load_suite(write(tmp_path, BASE))
    assert point_config(default, cells(default)[0], None, 1).preprocess == {}  # "drop": run ids as before
    message = error(tmp_path, BASE + '\n[datasets.synthetic]\ncold = "maybe"\n')
    assert "[datasets.synthetic] cold: must be one of drop, keep, got 'maybe'" in message


def test_excludes(tmp_path: Path) -> None:
    message = error(tmp_path, BASE + '\n[[exclude]]\nlos = "bpr"\n')
    assert "[[exclude]] #1 los: unknown key. Did you mean 'loss'?" in message
    message = error(tmp_path, BASE + '\n[[exclude]]\nloss = "bprr"\n')
    assert "[[exclude]] #1 loss[0]: unknown loss 'bprr'. Did you mean 'bpr'?" in message
    message = error(tmp_path, BASE + '\n[[exclude]]\nloss = ["bpr", "talos"]\n')
    assert "the [[exclude]] tables drop every cell; nothing would run" in message


@pytest.mark.parametrize(
    ("table", "line", "expected"),
    [
        ("[train]", "lr = nan", "[train] lr: must be a finite number, got nan"),
        ("[train]", "weight_decay = inf", "[train] weight_decay: must be a finite number, got inf"),
        ("[losses.bpr]", "lr = [0.01, nan]", "[losses.bpr] lr[1]: must be a finite number, got nan"),
        ("[losses.talos]", "tau = nan", "[losses.talos] tau: tau must be a finite number, got nan"),
        ("[losses.talos]", "tau = [0.1, +inf]", "[losses.talos] tau[1]: tau must be a finite number"),
        ("[backbones.mf]", "init_std = inf", "[backbones.mf] init_std: init_std must be a finite number"),
        ("[datasets.synthetic]", "min_rating = nan", "[datasets.synthetic] min_rating: must be a finite"),
    ],
)
def test_non_finite_numbers_are_rejected(tmp_path: Path, table: str, line: str, expected: str) -> None:
    # TOML reads nan and inf as floats, and both pass every >= bound: every run would then diverge.
    if table == "[train]":
        text = BASE.replace("epochs = 3", f"epochs = 3\n{line}")
    else:
        text = f"{BASE}\n{table}\n{line}\n"
    assert expected in error(tmp_path, text)


def test_a_suite_name_too_long_for_a_folder_is_rejected_at_load(tmp_path: Path) -> None:
    name = "a" * 300
    message = error(tmp_path, BASE.replace('name = "t"', f'name = "{name}"'))
    assert "[suite] name: is 300 bytes long; at most 200 fit in a folder name" in message


def test_the_folder_of_talosbench_train_is_no_suite_name(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace('name = "t"', 'name = "train"'))
    assert "[suite] name: must not be 'train': `talosbench train` stores its runs in" in message


def test_a_dataset_imported_into_the_data_home_is_a_valid_grid_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talosbench.data import import_file

    monkeypatch.setenv("TALOSBENCH_HOME", str(tmp_path / "default-home"))  # holds no import
    rows = "".join(f"{u},{i}\n" for u in range(4) for i in range(4))
    (tmp_path / "mine.csv").write_text("user,item\n" + rows)
    home = tmp_path / "home"
    import_file(tmp_path / "mine.csv", "mine", data_dir=home)
    text = BASE.replace('["synthetic"]', '["synthetic", "mine"]') + "\n[datasets.mine]\nk_core = 2\n"
    suite = load_suite(write(tmp_path, text), data_dir=home)
    assert suite.datasets == ("synthetic", "mine") and suite.preprocess == {"mine": {"k_core": 2}}
    message = error(tmp_path, text.replace("k_core = 2", "n_users = 2"))  # no import in the default home
    assert "[grid] datasets[1]: unknown dataset 'mine'." in message
    assert "`talosbench download --file PATH --name NAME`" in message and "data home the run reads" in message
    with pytest.raises(SuiteError, match="unknown preprocessing option of dataset 'mine'"):
        load_suite(write(tmp_path, text.replace("k_core = 2", "n_users = 2")), data_dir=home)


def test_dataset_filter_order_option(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE + '\n[datasets.synthetic]\nfilter_order = "k-core-first"\n'))
    assert suite.preprocess == {"synthetic": {"filter_order": "k-core-first"}}
    message = error(tmp_path, BASE + '\n[datasets.synthetic]\nfilter_order = "core-first"\n')
    assert "[datasets.synthetic] filter_order: must be one of rating-first, k-core-first" in message


def test_tuning_seed_defaults_apart_from_the_reported_seeds_and_may_not_be_one(tmp_path: Path) -> None:
    assert load_suite(write(tmp_path, BASE)).tuning_seed == 0
    own = BASE.replace("seeds = [1, 2]", "seeds = [1, 2]\ntuning_seed = 7")
    assert load_suite(write(tmp_path, own)).tuning_seed == 7
    message = error(tmp_path, BASE.replace("seeds = [1, 2]", "seeds = [1, 2]\ntuning_seed = 2"))
    assert message.endswith(
        "[suite] tuning_seed: 2 is one of the reported seeds [1, 2]; tuning trials need a seed of their "
        "own: set tuning_seed to a value not in seeds"
    )
    clash = error(tmp_path, BASE.replace("seeds = [1, 2]", "seeds = [0, 1]"))  # the default, 0
    assert "[suite] tuning_seed: 0 is one of the reported seeds [0, 1]" in clash


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("seeds = [1, 18446744073709551616]", "[suite] seeds[1]"),
        ("seeds = [-1]", "[suite] seeds[0]"),
        ("seeds = [1]\ntuning_seed = 9223372036854775808", "[suite] tuning_seed"),
        ("seeds = [1]\nsplit_seed = 9223372036854775808", "[suite] split_seed"),
    ],
)
def test_seeds_outside_what_the_generators_take_are_refused_with_the_range(
    tmp_path: Path, line: str, key: str
) -> None:
    message = error(tmp_path, BASE.replace("seeds = [1, 2]", line))
    assert f"{key}: must be between 0 and 9223372036854775807, got " in message


def test_the_largest_seed_the_generators_take_loads(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE.replace("seeds = [1, 2]", "seeds = [9223372036854775807]")))
    assert suite.seeds == (9223372036854775807,)


def test_vary_split_must_be_true_or_false(tmp_path: Path) -> None:
    message = error(tmp_path, BASE.replace("seeds = [1, 2]", 'seeds = [1, 2]\nvary_split = "yes"'))
    assert "[suite] vary_split" in message
    assert load_suite(
        write(tmp_path, BASE.replace("seeds = [1, 2]", "seeds = [1, 2]\nvary_split = true"))
    ).vary_split


@pytest.mark.parametrize(
    ("encoding", "says"),
    [
        ("utf-16", "saved as UTF-16, not UTF-8"),
        ("utf-32", "saved as UTF-32, not UTF-8"),
        ("latin-1", "not UTF-8 text (byte 0xe9 on line 4; Latin-1 or another 8-bit encoding?)"),
    ],
)
def test_a_suite_file_in_another_encoding_is_one_error(tmp_path: Path, encoding: str, says: str) -> None:
    path = tmp_path / "suite.toml"
    path.write_bytes(BASE.replace('name = "t"', 'name = "t"\ndescription = "café"').encode(encoding))
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(info.value) == f"{path}: {says}; save it as UTF-8, the encoding TOML requires"


def test_extra_budget_is_a_count_of_second_stage_points(tmp_path: Path) -> None:
    assert load_suite(write(tmp_path, BASE)).extra_budget == 6  # docs/protocol.md §7's default
    head = BASE.replace("seeds = [1, 2]\n", "seeds = [1, 2]\nextra_budget = {}\n")
    assert load_suite(write(tmp_path, head.format(0))).extra_budget == 0  # one stage
    assert "[suite] extra_budget: must be >= 0, got -1" in error(tmp_path, head.format(-1))
    assert "[suite] extra_budget: must be an integer" in error(tmp_path, head.format('"6"'))
