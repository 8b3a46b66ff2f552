"""The one schema of a run's settings, and the record of what a run produced.

Every training setting is one field of ``RunConfig``: its type, default, lower bound, one line of
help and where a suite file sets it live on that field and nowhere else. The suite's ``[train]``
table, the per-loss overrides, the options of ``talosbench train``, the run id and the results
columns are all read from these fields, so adding a setting is one field here plus the code that
uses it. ``RunResult`` is serialised to and from a plain dict in one place (``to_record`` /
``from_record``) for the results store and the executors.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import MISSING, asdict, dataclass, field, fields
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from talosbench.declared.backbones import DECLARED_BACKBONES
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.device_form import is_device
from talosbench.hparams import HParam, HParamError

if TYPE_CHECKING:
    import polars as pl

Scope = Literal["grid", "suite", "params", "train"]
"""Where a suite sets a field: a ``[grid]`` axis, ``[suite]``/``[eval]``, a component table, ``[train]``."""


class SettingError(HParamError):
    """A run setting whose value does not fit its schema."""


def setting(
    default: Any = MISSING,
    *,
    help: str,
    scope: Scope = "train",
    low: float | None = None,
    high: float | None = None,
    per_loss: bool = False,
    default_factory: Any = MISSING,
) -> Any:
    """A ``RunConfig`` field with its schema: help, where a suite sets it, bounds, per-loss override."""
    meta = {"help": help, "scope": scope, "low": low, "high": high, "per_loss": per_loss}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


SEED_MAX = 2**63 - 1
"""The largest seed every generator takes (torch's seeds are signed 64-bit; larger ones overflow)."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run; its hash is the run id.

    Building one checks every setting, and resolves the loss's and the backbone's hyper-parameters
    against their declarations (``loss_values``, ``backbone_values``): the one check of each.
    """

    dataset: str = setting("synthetic", scope="grid", help="Dataset name (see `talosbench datasets`).")
    scenario: str = setting("iid", scope="grid", help="Shift scenario that splits the dataset.")
    backbone: str = setting("mf", scope="grid", help="Backbone (see `talosbench backbones`).")
    loss: str = setting("talos", scope="grid", help="Loss (see `talosbench losses`).")
    seed: int = setting(
        2024, scope="suite", low=0, high=SEED_MAX, help="Run seed (every random generator derives from it)."
    )
    split_seed: int = setting(
        2024,
        scope="suite",
        low=0,
        high=SEED_MAX,
        help="Seed of the train/validation/test split, fixed across run seeds (unless vary_split).",
    )
    vary_split: bool = setting(
        False,
        scope="suite",
        help="Give each run seed its own split, its seed derived from split_seed and the run seed.",
    )
    loss_params: dict[str, Any] = setting(
        default_factory=dict, scope="params", help="Loss hyper-parameters over the loss's defaults."
    )
    backbone_params: dict[str, Any] = setting(
        default_factory=dict, scope="params", help="Backbone hyper-parameters over the backbone's defaults."
    )
    preprocess: dict[str, Any] = setting(
        default_factory=dict, scope="params", help="Preprocessing overrides of the dataset's defaults."
    )
    lr: float = setting(1e-3, low=0.0, per_loss=True, help="Adam learning rate of the model parameters.")
    weight_decay: float = setting(
        0.0, low=0.0, per_loss=True, help="Coupled L2 weight decay (Adam, not AdamW, as the paper)."
    )
    epochs: int = setting(200, low=1, help="Epoch cap (early stopping usually ends a run sooner).")
    batch_size: int = setting(1024, low=1, help="Training rows per mini-batch.")
    negatives: int | None = setting(
        None, low=1, per_loss=True, help="Sampled negatives per row (default: the loss's, 1024 or BPR 1)."
    )
    shared_negatives: bool = setting(
        False, help="Share one negative set across a batch (faster, departs from the paper)."
    )
    normalize: bool | None = setting(None, help="Cosine scores (default: the loss's, on except BPR).")
    dim: int = setting(64, low=1, help="Embedding size.")
    eval_every: int = setting(5, low=1, help="Validate every this many epochs.")
    patience: int = setting(5, low=1, help="Validations without strict improvement before stopping.")
    ks: tuple[int, ...] = setting((20,), scope="suite", low=1, help="Cut-offs of the reported metrics.")
    valid_metric: str = setting(
        "precision@20", scope="suite", help="Validation metric for early stopping and tuning."
    )
    eval_batch: int = setting(1024, low=1, help="Users per evaluation block.")
    device: str = setting("auto", help="auto, cpu, cuda or cuda:N (not part of the run id).")
    save_model: bool = setting(
        False, help="Keep the best validation weights (model.safetensors) for `talosbench evaluate`."
    )
    pruner: str | None = setting(
        None,
        scope="suite",
        help="Pruner of a tuning trial ([suite] pruner: median or asha); None in every other run.",
    )

    def __post_init__(self) -> None:
        # The run is built here, from a suite or from `talosbench train`: its settings are checked
        # once, so nothing downstream has to ask again whether lr is a finite number.
        for name in SCALARS:
            check_setting(name, getattr(self, name))
        object.__setattr__(self, "ks", tuple(check_setting("ks", k) for k in self.ks))
        # So are the loss's and backbone's hyper-parameters, against what each declares; the given
        # values stay as given (the run id hashes them), the constructors receive the resolved ones.
        _ = self.loss_values, self.backbone_values

    @cached_property
    def loss_values(self) -> dict[str, Any]:
        """Every hyper-parameter of the loss: its declared defaults overlaid with ``loss_params``, checked."""
        return DECLARED_LOSSES.get(self.loss).resolve(self.loss_params)

    @cached_property
    def backbone_values(self) -> dict[str, Any]:
        """Every hyper-parameter of the backbone: its declared defaults overlaid with ``backbone_params``."""
        return DECLARED_BACKBONES.get(self.backbone).resolve(self.backbone_params)

    @property
    def run_split_seed(self) -> int:
        """The seed of the split this run trains on: ``split_seed``, or with ``vary_split`` one drawn
        from (``split_seed``, ``seed``), so that each run seed meets its own split."""
        if not self.vary_split:
            return self.split_seed
        digest = hashlib.sha256(f"{self.split_seed}:{self.seed}".encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 1  # 63 bits: every generator takes it

    def to_record(self) -> dict[str, Any]:
        """Every field as stored in ``config.json``; a field of ``OMITTED_AT_DEFAULT`` only when set,
        so that runs stored before it existed keep their files and run ids."""
        data = asdict(self)
        for name in OMITTED_AT_DEFAULT:
            if data[name] == schema(name).default:
                data.pop(name)
        if self.vary_split:
            data["run_split_seed"] = self.run_split_seed  # what the run used, for a reader of the file
        return data

    def identity(self) -> dict[str, Any]:
        """The fields that define the run's outcome (the device and whether its weights are kept do not)."""
        data = self.to_record()
        data.pop("run_split_seed", None)  # follows from the fields; the id hashes the fields alone
        for name in UNIDENTIFYING:
            data.pop(name)
        data["ks"] = list(self.ks)
        return data

    @property
    def run_id(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


UNIDENTIFYING = ("device", "save_model")
"""Settings that leave a run's outcome as it is: not part of its run id, so changing one never retrains."""
OMITTED_AT_DEFAULT = ("vary_split", "pruner")
"""Settings added after runs were stored: left out of ``config.json`` and the run id at their default."""
TRIAL_ONLY = ("pruner",)
"""Settings a suite gives its tuning trials alone: no option of ``talosbench train``."""
PRUNERS = ("median", "asha")
"""``[suite] pruner`` values: Optuna's ``MedianPruner``, its ``SuccessiveHalvingPruner`` (ASHA)."""


@cache
def schema(name: str) -> HParam:
    """The schema of one ``RunConfig`` field as an ``HParam``: type, default, help, bounds."""
    spec = {f.name: f for f in fields(RunConfig)}[name]
    hint = get_type_hints(RunConfig)[name]
    kind = int if name == "ks" else next(t for t in getattr(hint, "__args__", (hint,)) if t is not type(None))
    default = spec.default if spec.default is not MISSING else spec.default_factory()  # type: ignore[misc]
    meta = spec.metadata
    return HParam(
        name, getattr(kind, "__origin__", kind), default, meta["help"], low=meta["low"], high=meta["high"]
    )


def names(scope: Scope) -> tuple[str, ...]:
    """The ``RunConfig`` fields a suite sets in ``scope``, in declaration order."""
    return tuple(f.name for f in fields(RunConfig) if f.metadata["scope"] == scope)


TRAIN_KEYS = names("train")
"""Keys of a suite's ``[train]`` table."""
PER_LOSS_KEYS = tuple(f.name for f in fields(RunConfig) if f.metadata["per_loss"])
"""Training settings a ``[losses.<label>]`` table may set or tune for that loss alone."""
SCALARS = tuple(f.name for f in fields(RunConfig) if f.metadata["scope"] != "params" and f.name != "ks")


@cache  # every RunConfig asks for each of its fields: type hints are slow to read (~1 ms a call)
def nullable(name: str) -> bool:
    """Whether the field may be left unset (None takes the loss's own default)."""
    return type(None) in getattr(get_type_hints(RunConfig)[name], "__args__", ())


def check_setting(name: str, value: Any) -> Any:
    """``value`` coerced to the field's type, or SettingError saying what is wrong with it."""
    if value is None and nullable(name):
        return None
    try:
        value = schema(name).validate(value)
    except HParamError as exc:
        raise SettingError(str(exc), exc.problem) from None
    problem = None
    if name == "device" and not is_device(value):
        problem = f"must be auto, cpu, cuda or cuda:N, got {value!r}"
    if name == "pruner" and value not in PRUNERS:
        problem = f"must be one of {', '.join(PRUNERS)}, got {value!r}"
    if name == "valid_metric" and not re.fullmatch(r"[a-z_]+@[1-9][0-9]*", value):
        problem = f"must look like 'precision@20' (metric@K), got {value!r}"
    if problem is not None:
        raise SettingError(f"{name} {problem}", problem)
    return value


STATUSES = ("completed", "pruned", "diverged", "failed", "oom")
"""How a run ends; ``pruned``: a tuning trial stopped by its suite's pruner (``[suite] pruner``)."""
ENDED = ("completed", "pruned")
"""Statuses of a run that ended as planned: neither is a failure, only ``completed`` may be chosen."""


def _no_rows() -> pl.DataFrame:
    """An empty table, the default of a result's history and per-user values."""
    import polars as pl  # here, not at the top: the settings schema (``--help``, suites) needs no polars

    return pl.DataFrame()


@dataclass
class RunResult:
    """What a run produced. ``test`` and ``per_user`` are empty unless a best snapshot exists."""

    status: str
    """One of STATUSES."""
    test: dict[str, float] = field(default_factory=dict)
    """Test metrics of the best validation snapshot, keyed like ``precision@20``."""
    best_valid: dict[str, float] = field(default_factory=dict)
    """Validation metrics at the best validation point."""
    best_epoch: int | None = None
    """Completed epochs at the best validation point."""
    epochs: int = 0
    """Training epochs completed."""
    history: pl.DataFrame = field(default_factory=_no_rows)
    """One row per epoch: epoch, train_loss, train_seconds, eval_seconds, valid_<metric>..."""
    per_user: pl.DataFrame = field(default_factory=_no_rows)
    """Test values per evaluated user: user, <metric>... (feeds significance tests)."""
    timings: dict[str, float] = field(default_factory=dict)
    """train_seconds_per_epoch (median), train_seconds_total, eval_seconds (median), wall_seconds;
    with adversarial epochs (AdvInfoNCE) also adversarial_seconds_total, which the first two include;
    prepare_seconds (checks and loading the split, before wall_seconds) when run by ``prepare_and_run``."""
    memory: dict[str, float] = field(default_factory=dict)
    """Peak memory in bytes: host_peak_bytes, device_peak_bytes."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """For thresholded losses at test: threshold_error, mean_threshold, mean_pos_score, mean_neg_score."""
    error: str | None = None
    """What went wrong, for a run that did not complete."""
    device: str = "cpu"
    """The device the run trained on."""
    threads: int | None = None
    """torch's CPU threads in the process that trained it (``--threads``); None in runs stored before it."""
    split: dict[str, Any] = field(default_factory=dict)
    """Shift diagnostics of the split the run used (sizes, coverage, popularity divergence)."""
    model: dict[str, Any] = field(default_factory=dict)
    """The tested snapshot's tensors by flat name (``backbone.<name>``, ``loss.<name>``) when the run
    keeps them (``RunConfig.save_model``), else empty; stored as a weights file, never in result.json."""

    def to_record(self) -> dict[str, Any]:
        """Every field but the two tables, as plain JSON-ready values (the tables are stored as Parquet)."""
        return {
            "status": self.status,
            "error": self.error,
            "test": dict(self.test),
            "best_valid": dict(self.best_valid),
            "best_epoch": self.best_epoch,
            "epochs": self.epochs,
            "timings": dict(self.timings),
            "memory": dict(self.memory),
            "thresholds": dict(self.thresholds),
            "device": self.device,
            "threads": self.threads,
            "split": dict(self.split) or None,
        }

    @classmethod
    def from_record(
        cls, data: dict[str, Any], history: pl.DataFrame | None = None, per_user: pl.DataFrame | None = None
    ) -> RunResult:
        """The result ``to_record`` wrote, with its tables; missing keys take the field defaults."""
        return cls(
            status=str(data["status"]),
            test=dict(data.get("test") or {}),
            best_valid=dict(data.get("best_valid") or {}),
            best_epoch=data.get("best_epoch"),
            epochs=int(data.get("epochs") or 0),
            history=history if history is not None else _no_rows(),
            per_user=per_user if per_user is not None else _no_rows(),
            timings=dict(data.get("timings") or {}),
            memory=dict(data.get("memory") or {}),
            thresholds=dict(data.get("thresholds") or {}),
            error=data.get("error"),
            device=str(data.get("device") or "cpu"),
            threads=data.get("threads"),
            split=dict(data.get("split") or {}),
        )
