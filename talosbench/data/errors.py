"""The one exception every data failure raises: a one-paragraph message saying what, where and what to do."""

from __future__ import annotations

from talosbench.paths import UnsafePathError


class DataError(Exception):
    """A dataset could not be fetched, read, preprocessed or split; the message tells the user what to do."""


class UnknownDatasetError(DataError):
    """A dataset or scenario name that is neither in the catalog nor imported (a usage error)."""


class BadNameError(UnknownDatasetError, UnsafePathError):
    """A dataset name that cannot be one folder in the data home (``..``, ``a/b``, empty): a usage error."""


class OutsideHomeError(DataError, UnsafePathError):
    """A path under the data home that resolves outside it (a link leading out): refused, never touched."""
