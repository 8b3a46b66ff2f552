"""Datasets: catalog, download, raw readers, preprocessing, shift scenarios, the synthetic generator.

Getting a dataset ready: ``entries`` (which dataset a name means, its options), ``source_file`` (fetch
and checksums), ``prepare`` (``prepare_dataset``, ``prepared_folder``), ``prepared`` (a prepared
folder's files), ``imported`` and ``user_files`` (``download --file``), ``summary`` (the listing).
"""

from talosbench.data.errors import DataError, UnknownDatasetError
from talosbench.data.prepare import prepare_dataset
from talosbench.data.scenarios import SCENARIOS, load_split, prepare_split
from talosbench.data.split import Split
from talosbench.data.user_files import import_file

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
