"""Datasets: catalog, download, raw readers, preprocessing, shift scenarios, the synthetic generator."""

from talosbench.data.errors import DataError, UnknownDatasetError
from talosbench.data.prepare import import_file, prepare_dataset
from talosbench.data.split import Split
from talosbench.data.splits import SCENARIOS, load_split

__all__ = [
    "SCENARIOS",
    "DataError",
    "Split",
    "UnknownDatasetError",
    "import_file",
    "load_split",
    "prepare_dataset",
]
