"""Suite files: the typed schema, validation before any work, grid expansion and tuning spaces."""

from talosbench.suite.errors import SuiteError
from talosbench.suite.expand import (
    Point,
    budget,
    cells,
    default_point,
    dims,
    full_grid,
    grid_size,
    is_shared,
    parent_point,
    point_config,
    points,
    second_stage,
    second_stage_size,
    two_stage,
)
from talosbench.suite.load import load_suite, parse_suite, read_suite_file
from talosbench.suite.schema import Cell, Component, Dim, EvalSettings, Suite
from talosbench.suite.shipped import find_suite, shipped_datasets, shipped_suites

__all__ = [
    "Cell",
    "Component",
    "Dim",
    "EvalSettings",
    "Point",
    "Suite",
    "SuiteError",
    "budget",
    "cells",
    "default_point",
    "dims",
    "find_suite",
    "full_grid",
    "grid_size",
    "is_shared",
    "load_suite",
    "parent_point",
    "parse_suite",
    "point_config",
    "points",
    "read_suite_file",
    "second_stage",
    "second_stage_size",
    "shipped_datasets",
    "shipped_suites",
    "two_stage",
]
