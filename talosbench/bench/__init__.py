"""``talosbench bench``: measure training and evaluation cost, and estimate runs from the figures.

``measure`` times (backbone, loss) pairs through the trainer's own steps, ``figures`` keeps the
results in ``<data home>/bench.json``, and ``estimate`` prices a run or a suite's remaining plan
from them by the cost model (``cost``; ``talosbench run --dry-run``), which ``calibrate`` measures
briefly on a machine without figures. Names are imported when first read (``talosbench.lazy``).
"""

from typing import TYPE_CHECKING

from talosbench.lazy import lazy_exports

if TYPE_CHECKING:  # what ``__getattr__`` loads on first use, for type checkers and import-linter
    from talosbench.bench.calibrate import Calibration, calibrate_plan
    from talosbench.bench.cost import (
        TRAIN_SHARE,
        RunCost,
        Sizes,
        dataset_sizes,
        estimate_run_seconds,
        run_cost,
    )
    from talosbench.bench.estimate import PlanEstimate, estimate_plan
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
__getattr__ = lazy_exports(__name__, ("calibrate", "cost", "estimate", "figures", "measure"))

__all__ = [
    "BENCH_FILE",
    "PUBLIC_SCALES",
    "SCALES",
    "TRAIN_SHARE",
    "BenchError",
    "BenchResult",
    "Calibration",
    "PlanEstimate",
    "RunCost",
    "Scale",
    "Sizes",
    "bench_key",
    "bench_one",
    "bench_path",
    "bench_split",
    "calibrate_plan",
    "dataset_sizes",
    "estimate_plan",
    "estimate_run_seconds",
    "format_rows",
    "load_results",
    "machine_load",
    "pool_rounds",
    "run_bench",
    "run_cost",
    "save_results",
    "synthetic_split",
]
