"""The GPU computes what the CPU computes: evaluation bit for bit, short training runs within seed noise."""

from __future__ import annotations

import math
import statistics

import pytest
import torch

from talosbench.config import RunConfig
from talosbench.data.split import Split
from talosbench.interactions import InteractionCSR
from talosbench.metrics import evaluate
from talosbench.train.trainer import fit

pytestmark = pytest.mark.gpu
CPU = torch.device("cpu")


def _csr(split: Split, part: str) -> InteractionCSR:
    frame = getattr(split, part)
    users = torch.tensor(frame["user"].to_numpy(), dtype=torch.long)
    items = torch.tensor(frame["item"].to_numpy(), dtype=torch.long)
    return InteractionCSR.from_pairs(users, items, split.n_users, split.n_items)


def _dyadic_table(rows: int, dim: int, generator: torch.Generator, normalize: bool) -> torch.Tensor:
    """Embeddings whose every score is exact in float32 on any device, in any summation order.

    Unnormalised: integers in [-3, 3], so scores are integers below 2^20. Normalised: each row has
    1, 4, 16 or 64 entries of +-1, so its norm is 1, 2, 4 or 8 and the cosine factors are +-2^-j;
    every partial sum is then a multiple of 2^-6 below 2^13. Small ranges make ties frequent, which
    exercises the lower-id-first tie order.
    """
    if not normalize:
        return torch.randint(-3, 4, (rows, dim), generator=generator).float()
    table = torch.zeros(rows, dim)
    sizes = torch.tensor([1, 4, 16, 64])[torch.randint(0, 4, (rows,), generator=generator)]
    for row, size in enumerate(sizes.tolist()):
        cols = torch.randperm(dim, generator=generator)[:size]
        table[row, cols] = torch.randint(0, 2, (size,), generator=generator).float() * 2 - 1
    return table


@pytest.mark.parametrize("normalize", [False, True], ids=["dot", "cosine"])
def test_evaluation_on_the_device_equals_evaluation_on_the_cpu_exactly(
    synthetic: Split, device: torch.device, normalize: bool
) -> None:
    generator = torch.Generator().manual_seed(5)
    users = _dyadic_table(synthetic.n_users, 64, generator, normalize)
    items = _dyadic_table(synthetic.n_items, 64, generator, normalize)
    thresholds = torch.randint(-64, 64, (synthetic.n_users,), generator=generator).float() / 8
    train, valid, test = (_csr(synthetic, part) for part in ("train", "valid", "test"))

    def run(on: torch.device) -> tuple[dict[str, torch.Tensor], dict[str, float], torch.Tensor]:
        # block_size 100: several user blocks, and on the CPU several chunks per block too
        result = evaluate(
            users.to(on),
            items.to(on),
            normalize=normalize,
            heldout=test.to(on),
            known=[train.to(on), valid.to(on)],
            ks=[1, 5, 20, 50],
            block_size=100,
            threshold_k=20,
            thresholds=thresholds.to(on),
        )
        return result.per_user, result.means, result.users

    cpu_per_user, cpu_means, cpu_users = run(CPU)
    gpu_per_user, gpu_means, gpu_users = run(device)
    assert torch.equal(cpu_users, gpu_users)
    assert cpu_per_user.keys() == gpu_per_user.keys()
    for name, values in cpu_per_user.items():
        assert gpu_per_user[name].device == CPU
        assert torch.equal(values, gpu_per_user[name]), name
    assert cpu_means == gpu_means  # every float, bit for bit: threshold statistics included
    assert {"threshold_error", "mean_pos_score", "mean_neg_score"} <= cpu_means.keys()


PARITY_SEEDS = (1, 2, 3, 4)
PARITY_METRICS = ("precision@20", "recall@20", "ndcg@20")


@pytest.mark.parametrize("loss", ["talos", "sl"])
def test_short_training_gives_the_same_metrics_on_the_device_as_on_the_cpu(
    synthetic: Split, device: torch.device, loss: str
) -> None:
    # The quick suite's settings (suites/quick.toml), 10 epochs: 64 negatives, lr 0.05, MF init std 0.1.
    def test_metrics(on: torch.device, seed: int) -> dict[str, float]:
        config = RunConfig(
            dataset="synthetic",
            loss=loss,
            seed=seed,
            negatives=64,
            lr=0.05,
            epochs=10,
            eval_every=5,
            patience=5,
            backbone_params={"init_std": 0.1},
            device=str(on),
        )
        result = fit(synthetic, config, on)
        assert result.status == "completed"
        return result.test

    cpu = [test_metrics(CPU, seed) for seed in PARITY_SEEDS]
    gpu = [test_metrics(device, seed) for seed in PARITY_SEEDS]
    for name in PARITY_METRICS:
        a, b = [r[name] for r in cpu], [r[name] for r in gpu]
        # Tolerance: the runs cannot agree bit for bit, because a CUDA generator draws other numbers
        # than the CPU's from the same seed (initialisation, negatives, shuffling) and the matrix
        # products round differently; the two devices' seed means differ by seed noise alone. Their
        # difference has a standard deviation of sd * sqrt(2 / n) with sd the seed-to-seed spread
        # (pooled over both devices): a broken device path (wrong gradients, a sampler that draws
        # positives) moves the mean by many times that, a correct one stays within 4 of it (a
        # t-statistic of 4 with 6 degrees of freedom happens by chance in under 1 % of checks).
        # The floor of 2 % of the mean keeps a chance near-zero spread from demanding equality.
        spread = math.sqrt((statistics.variance(a) + statistics.variance(b)) / 2)
        tolerance = max(4 * spread * math.sqrt(2 / len(PARITY_SEEDS)), 0.02 * statistics.mean(a))
        gap = abs(statistics.mean(a) - statistics.mean(b))
        assert gap <= tolerance, f"{loss} {name}: cpu {a} vs device {b}: mean gap {gap:.4f} > {tolerance:.4f}"
