"""What a report can be asked for, by name: its tables and the formats of tables and figures.

Names only, importing nothing, so that the CLI lists them in ``--help`` without loading polars.
"""

from __future__ import annotations

TABLES = ("accuracy", "efficiency", "convergence", "tuning", "shift")
"""The tables ``report`` builds, in the order it shows them (``shift`` is two: diagnostics and drop)."""

FORMATS = ("markdown", "latex", "csv", "json", "html")
"""The formats ``renderers.render`` writes tables in."""

FIGURE_FORMATS = ("png", "pdf", "svg")
"""The figure formats, each the file extension matplotlib writes it under."""
