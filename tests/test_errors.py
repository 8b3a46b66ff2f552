"""Every error talosbench raises for its user derives from TalosbenchError and names its exit status."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import talosbench
from talosbench.errors import FAILED, USAGE, TalosbenchError

# Exceptions that steer control flow inside the library and never reach the user as errors.
INTERNAL = {
    "talosbench.train.trainer.Diverged",  # fit() records it as a run with status "diverged"
    "talosbench.data.download._Transient",  # a retried network hiccup; fetch() raises a DataError
    "talosbench.runner.interrupt.Interrupted",  # a KeyboardInterrupt: exit 143 / 129, not an error
}


def _modules() -> list[str]:
    """Every module of the package (``__main__`` would run the CLI), imported."""
    names = [m.name for m in pkgutil.walk_packages(talosbench.__path__, "talosbench.")]
    names = [name for name in names if not name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    return names


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_every_error_class_has_an_exit_code_of_1_or_2() -> None:
    _modules()
    classes = _subclasses(TalosbenchError) | {TalosbenchError}
    assert len(classes) >= 20  # the walk found the layers' classes
    wrong = {
        c.__qualname__: c.exit_code
        for c in classes
        if type(c.exit_code) is not int or c.exit_code not in (FAILED, USAGE)
    }
    assert wrong == {}


def test_every_exception_class_of_the_package_derives_from_the_base() -> None:
    outside = []
    for name in _modules():
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            where = f"{cls.__module__}.{cls.__qualname__}"
            if cls.__module__ == name and issubclass(cls, BaseException) and where not in INTERNAL:
                outside += [] if issubclass(cls, TalosbenchError) else [where]
    assert outside == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("talosbench.hparams.HParamError", USAGE),
        ("talosbench.paths.UnsafePathError", USAGE),
        ("talosbench.device.DeviceError", USAGE),
        ("talosbench.registry.UnknownNameError", USAGE),
        ("talosbench.data.errors.DataError", FAILED),
        ("talosbench.data.errors.UnknownDatasetError", USAGE),
        ("talosbench.data.errors.BadNameError", USAGE),
        ("talosbench.data.errors.OutsideHomeError", FAILED),
        ("talosbench.data.store.LockHeld", FAILED),
        ("talosbench.train.sampler.SamplingError", FAILED),
        ("talosbench.suite.errors.SuiteError", USAGE),
        ("talosbench.runner.records.RunnerError", FAILED),
        ("talosbench.runner.records.RunnerUsageError", USAGE),
        ("talosbench.results.errors.ResultsError", USAGE),
        ("talosbench.results.errors.DamagedRunError", USAGE),
        ("talosbench.results.errors.ResultsWriteError", USAGE),
        ("talosbench.bench.BenchError", USAGE),
        ("talosbench.report.model.ReportError", USAGE),
        ("talosbench.plots.PlotError", USAGE),
    ],
)
def test_exit_codes_are_those_the_cli_has_always_used(path: str, code: int) -> None:
    module, _, name = path.rpartition(".")
    assert getattr(importlib.import_module(module), name).exit_code == code


def test_the_builtin_bases_stay_for_callers_that_catch_them() -> None:
    from talosbench.registry import UnknownNameError
    from talosbench.runner import RunnerError
    from talosbench.suite import SuiteError

    assert issubclass(UnknownNameError, KeyError) and issubclass(SuiteError, ValueError)
    assert issubclass(RunnerError, RuntimeError)
    # A KeyError's message is printed as given, not quoted.
    assert str(UnknownNameError("loss", "tals", ["talos"])).startswith("unknown loss 'tals'.")
