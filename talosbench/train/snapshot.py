"""The tested model of a run as a snapshot of its backbone's and loss's state, and the flat names a
weights file (``model.safetensors``) holds it under."""

from __future__ import annotations

import copy

import torch

from talosbench.train.parts import Parts

Snapshot = dict[str, dict[str, torch.Tensor]]
"""The state dicts of a run's parts by part name (``backbone``, ``loss``)."""


def snapshot(parts: Parts) -> Snapshot:
    """Copies of the backbone's and the loss's state: together they are the model that is tested.

    The loss's state (Talos' learned thresholds, SL@K's estimates, AdvInfoNCE's hardness tables)
    is taken with the backbone, so the test thresholds and their error belong to the selected epoch.
    """
    return {
        "backbone": copy.deepcopy(parts.backbone.state_dict()),
        "loss": copy.deepcopy(parts.loss.state_dict()),
    }


def restore(parts: Parts, state: Snapshot) -> None:
    """Put a ``snapshot`` back into the backbone and the loss."""
    parts.backbone.load_state_dict(state["backbone"])
    parts.loss.load_state_dict(state["loss"])


def flatten(state: Snapshot) -> dict[str, torch.Tensor]:
    """A snapshot as one flat ``{"backbone.<name>": tensor, "loss.<name>": tensor}`` on the host.

    Flat names are what a weights file holds; ``unflatten`` is the inverse.
    """
    return {
        f"{part}.{name}": tensor.detach().cpu().contiguous()
        for part, tensors in state.items()
        for name, tensor in tensors.items()
    }


def unflatten(tensors: dict[str, torch.Tensor]) -> Snapshot:
    """The snapshot ``flatten`` made: tensors grouped back by their part (``backbone`` or ``loss``)."""
    state: Snapshot = {"backbone": {}, "loss": {}}
    for key, tensor in tensors.items():
        part, _, name = key.partition(".")
        state.setdefault(part, {})[name] = tensor
    return state
