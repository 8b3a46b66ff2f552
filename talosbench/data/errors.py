"""The one exception every data failure raises: a one-paragraph message saying what, where and what to do."""

from __future__ import annotations


class DataError(Exception):
    """A dataset could not be fetched, read, preprocessed or split; the message tells the user what to do."""


class UnknownDatasetError(DataError):
    """A dataset or scenario name that is neither in the catalog nor imported (a usage error)."""
