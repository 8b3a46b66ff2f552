"""``RunConfig`` checks every setting and resolves its loss's and backbone's hyper-parameters once."""

from __future__ import annotations

import pickle

import pytest

from talosbench.config import RunConfig, SettingError, check_setting
from talosbench.hparams import HParamError
from talosbench.registry import UnknownNameError


def test_hyper_parameters_are_resolved_when_the_run_is_configured() -> None:
    config = RunConfig(loss="bsl", loss_params={"tau": 1}, backbone="xsimgcl", backbone_params={"layers": 2})
    assert config.loss_values == {"tau": 1.0, "tau2": 1.0} and isinstance(config.loss_values["tau"], float)
    assert config.backbone_values == {"layers": 2, "eps": 0.1, "cl_temp": 0.1, "cl_rate": 0.1, "cl_layer": 0}
    # What the run id hashes stays as given: the id this run had before its values were resolved here.
    assert config.loss_params == {"tau": 1} and config.run_id == "1f5ab1ca43604aaf"
    assert pickle.loads(pickle.dumps(config)).loss_values == config.loss_values  # a worker gets them too


@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"loss": "taloss"}, UnknownNameError, "unknown loss 'taloss'. Did you mean 'talos'?"),
        ({"backbone": "mff"}, UnknownNameError, "unknown backbone 'mff'. Did you mean 'mf'?"),
        ({"loss_params": {"tau": 0.0}}, HParamError, "loss talos: tau must be >= 1e-06, got 0.0"),
        ({"loss_params": {"tua": 0.1}}, HParamError, "unknown hyper-parameter loss talos: tua"),
        ({"backbone_params": {"init_std": "x"}}, HParamError, "backbone mf: init_std must be a number"),
        (
            {"backbone": "xsimgcl", "backbone_params": {"cl_layer": 3}},
            HParamError,
            "backbone xsimgcl: cl_layer must be below layers (3), got 3",
        ),
    ],
)
def test_a_run_that_cannot_be_built_is_refused_when_configured(
    settings: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        RunConfig(**settings)
    assert message in str(info.value)


def test_a_setting_error_says_what_is_wrong_with_and_without_its_name() -> None:
    with pytest.raises(SettingError) as info:
        check_setting("device", "gpu")
    assert str(info.value) == "device must be auto, cpu, cuda or cuda:N, got 'gpu'"
    assert info.value.problem == "must be auto, cpu, cuda or cuda:N, got 'gpu'"
    with pytest.raises(SettingError) as info:
        check_setting("lr", -0.5)
    assert (str(info.value), info.value.problem) == ("lr must be >= 0, got -0.5", "must be >= 0, got -0.5")


def test_a_run_seed_must_fit_the_generators_and_valid_seeds_keep_their_run_id() -> None:
    with pytest.raises(SettingError) as info:
        RunConfig(seed=2**64)
    assert str(info.value) == f"seed must be between 0 and 9223372036854775807, got {2**64}"
    with pytest.raises(SettingError):
        RunConfig(split_seed=2**63)
    # The bound is no part of the run id: valid seeds keep the ids they had before it.
    assert (RunConfig().run_id, RunConfig(seed=2**63 - 1).run_id) == ("837cb374f6ae7b3e", "40fb52bf18107583")


def test_vary_split_draws_each_run_seeds_split_and_is_recorded_only_when_set() -> None:
    fixed = RunConfig(seed=1)
    # Off (the default), nothing of it reaches the stored configuration or the run id.
    assert "vary_split" not in fixed.to_record() and "run_split_seed" not in fixed.to_record()
    assert fixed.run_id == RunConfig(seed=1, vary_split=False).run_id
    assert fixed.run_split_seed == fixed.split_seed == 2024
    one, two = RunConfig(seed=1, vary_split=True), RunConfig(seed=2, vary_split=True)
    assert one.run_id != fixed.run_id and one.to_record()["vary_split"] is True
    # Drawn from (split_seed, seed) as the docs say, so a reader can recompute it.
    digest = __import__("hashlib").sha256(b"2024:1").digest()
    assert one.run_split_seed == int.from_bytes(digest[:8], "big") // 2
    assert one.to_record()["run_split_seed"] == one.run_split_seed
    assert len({one.run_split_seed, two.run_split_seed, 2024}) == 3
    assert one.run_split_seed != RunConfig(seed=1, split_seed=7, vary_split=True).run_split_seed
    assert 0 <= one.run_split_seed < 2**63
    assert "run_split_seed" not in one.identity()
