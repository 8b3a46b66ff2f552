"""The shift scenarios' names and one-line help, apart from their split code (numpy, polars), so that
the CLI lists them in ``--help`` without loading it."""

from __future__ import annotations

SCENARIO_HELP = {
    "iid": "per user: random 20% test, then 10% of the rest to validation (docs/protocol.md §6.2)",
    "temporal": "global time cut: earliest 80% train, latest 20% test, 10% of train to validation",
    "popularity": "intervened test set: ~20% of rows drawn inversely to item popularity; rest as iid",
    "given": "the ready-made train/valid/test files of an imported folder, unchanged",
}
"""Every scenario and its help, in listing order; ``data/scenarios.py`` registers one split rule for each."""
