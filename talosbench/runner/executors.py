"""The executors a grid can train on, by name: a module of its own, importing nothing, so that the CLI
lists them in ``--help`` without loading the runner."""

from __future__ import annotations

EXECUTORS = ("local", "ray")
"""Where runs train: ``local`` (this process or a local worker pool) or ``ray`` (Ray tasks)."""
