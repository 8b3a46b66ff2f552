"""A run's kept weights: one safetensors file whose metadata holds the configuration that rebuilds them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench import __version__
from talosbench.config import RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.layout import MODEL_FILE

MODEL_FORMAT = "talosbench-model/1"
"""The ``format`` metadata of a weights file: what ``read_model`` can read."""


def model_bytes(config: RunConfig, tensors: Mapping[str, Any]) -> bytes:
    """A safetensors file of the run's weights; its metadata holds the configuration that rebuilds them."""
    from safetensors.torch import save

    metadata = {
        "format": MODEL_FORMAT,
        "talosbench": __version__,
        "run_id": config.run_id,
        "config": json.dumps({**config.identity(), "device": config.device}, sort_keys=True, default=str),
    }
    return save(dict(tensors), metadata=metadata)


def read_model(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The weights ``write_run`` kept for the run in ``directory`` (CPU tensors) and their metadata.

    Raises ResultsError when the run kept none, and DamagedRunError when the file does not read or
    belongs to another run.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    directory = Path(directory)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ResultsError(
            f"{directory} holds no saved model; train the run again with `talosbench train ... --save-model`"
        )
    try:
        data = path.read_bytes()
        tensors = load(data)
        metadata = _model_metadata(data)
    except (OSError, SafetensorError, ValueError) as error:
        raise DamagedRunError(directory, f"{MODEL_FILE} cannot be read ({error})") from None
    if metadata.get("format") != MODEL_FORMAT:
        raise DamagedRunError(directory, f"{MODEL_FILE} is not a {MODEL_FORMAT} file")
    if metadata.get("run_id") != directory.name:
        raise DamagedRunError(
            directory, f"{MODEL_FILE} belongs to run {metadata.get('run_id')}, not to this folder's run"
        )
    return tensors, metadata


def _model_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file: its header is an 8-byte length and a JSON object."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    return dict(header.get("__metadata__") or {})
