"""``talosbench bench``: measure training and evaluation cost, and estimate runs from the figures.

``measure`` times (backbone, loss) pairs through the trainer's own steps, ``figures`` keeps the
results in ``<data home>/bench.json``, and ``estimate`` prices a run or a suite's remaining plan
from them (``talosbench run --dry-run``). Names are imported when first read (``talosbench.lazy``).
"""

from typing import TYPE_CHECKING

from talosbench.lazy import lazy_exports

if TYPE_CHECKING:  # what ``__getattr__`` loads on first use, for type checkers and import-linter
    from talosbench.bench.estimate import TRAIN_SHARE, PlanEstimate, estimate_plan, estimate_run_seconds
    from talosbench.bench.figures import (
        BENCH_FILE,
        BenchResult,
        bench_key,
        bench_path,
        load_results,
        save_results,
    )
    from talosbench.bench.measure import (
        PUBLIC_SCALES,
        SCALES,
        BenchError,
        Scale,
        bench_one,
        bench_split,
        format_rows,
        machine_load,
        pool_rounds,
        run_bench,
        synthetic_split,
    )

# ``measure`` loads torch (seconds): ``estimate`` and ``figures``, which price a suite, must not.
__getattr__ = lazy_exports(__name__, ("estimate", "figures", "measure"))

__all__ = [
    "BENCH_FILE",
    "PUBLIC_SCALES",
    "SCALES",
    "TRAIN_SHARE",
    "BenchError",
    "BenchResult",
    "PlanEstimate",
    "Scale",
    "bench_key",
    "bench_one",
    "bench_path",
    "bench_split",
    "estimate_plan",
    "estimate_run_seconds",
    "format_rows",
    "load_results",
    "machine_load",
    "pool_rounds",
    "run_bench",
    "save_results",
    "synthetic_split",
]
