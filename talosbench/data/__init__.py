"""Datasets: catalog, download, raw readers, preprocessing, shift scenarios, the synthetic generator."""

from talosbench.data.datasets import import_file, prepare_dataset
from talosbench.data.errors import DataError, UnknownDatasetError
from talosbench.data.scenarios import SCENARIOS, load_split, prepare_split
from talosbench.data.split import Split

__all__ = [
    "SCENARIOS",
    "DataError",
    "Split",
    "UnknownDatasetError",
    "import_file",
    "load_split",
    "prepare_dataset",
    "prepare_split",
]
