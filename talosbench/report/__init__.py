"""Reports of a results directory: the accuracy, efficiency, convergence, tuning and shift tables
(``compose``, rendered by ``renderers``), the figures (``figures``) and the HTML page of both (``html_page``).

The names of modules that load polars are imported when first read (``talosbench.lazy``), so that
``report.names`` (the CLI's ``--help``) stays light.
"""

from typing import TYPE_CHECKING

from talosbench.lazy import lazy_exports
from talosbench.report.names import FORMATS, TABLES

if TYPE_CHECKING:  # what ``__getattr__`` loads on first use, for type checkers and import-linter
    from talosbench.report.compose import DEFAULT_BASELINE, ReportTables, build_tables, report, report_tables
    from talosbench.report.renderers import render
    from talosbench.report.scope import resolve_source, suite_file
    from talosbench.report.table import ReportError, Table

__getattr__ = lazy_exports(__name__, ("compose", "renderers", "scope", "table"))

__all__ = [
    "DEFAULT_BASELINE",
    "FORMATS",
    "TABLES",
    "ReportError",
    "ReportTables",
    "Table",
    "build_tables",
    "render",
    "report",
    "report_tables",
    "resolve_source",
    "suite_file",
]
