"""The shipped published tables: complete, named with talosbench's names, and transcribed right."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from talosbench.backbones import BACKBONES
from talosbench.data.catalog import CATALOG
from talosbench.data.scenarios import SCENARIOS
from talosbench.losses import LOSSES
from talosbench.paper import PaperError, _table, paper_table, paper_tables, published_values

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

# Values per table as the paper prints them: rows x columns (Imp. rows left out).
PRINTED = {
    "3.1": 3 * 10 * 4 * 2,  # backbones x losses x datasets x (P@20, R@20)
    "3.2": 11 * 3,
    "3.3": 11 * 3,
    "3.4": 9 * 2 * 2,
    "4.1": 4 * 4 * 2,
    "A.1": 2 * 2 * 2,
    "A.2": 2 * 3 * 2,  # losses x negatives x datasets
    "A.3": 2 * 6,
    "A.4": 2 * 4,
    "D.2": 3 * 10 * 4 * 2,  # as Table 3.1, with (MRR@20, NDCG@20)
    "F.1": 10 * 4,
}
# Values published.csv holds: every printed one except Table 3.1's Games and Electronics columns and
# its LightGCN / XSimGCL rows of AATP, RS@K, SmoothI@K, BSL and AdvInfoNCE (80 of 240), and Table
# D.2 beyond MF on Gowalla and Beauty (40 of 240).
HELD = PRINTED | {"3.1": 10 * 2 * 2 + 2 * 5 * 2 * 2, "D.2": 10 * 2 * 2}

# A second transcription, typed from the paper's tables independently of published.csv:
# (table, dataset, scenario, backbone, label, negatives, metric@K) -> value.
SPOT = {
    ("3.1", "gowalla", "iid", "mf", "Talos", None, "precision@20"): 0.0642,
    ("3.1", "amazon-beauty", "iid", "mf", "BPR", None, "recall@20"): 0.1267,
    ("3.1", "gowalla", "iid", "lightgcn", "LLPAUC", None, "recall@20"): 0.1722,
    ("3.1", "amazon-beauty", "iid", "xsimgcl", "Talos", None, "recall@20"): 0.1506,
    ("3.2", "gowalla", "iid", "mf", "RS@K", None, "recall@50"): 0.1059,
    ("3.2", "gowalla", "iid", "mf", "Talos@80", None, "recall@80"): 0.3911,
    ("3.3", "amazon-beauty", "iid", "mf", "Talos@50", None, "recall@50"): 0.2218,
    ("3.3", "amazon-beauty", "iid", "mf", "AATP", None, "recall@80"): 0.2371,
    ("3.4", "amazon-beauty", "temporal", "mf", "AdvInfoNCE", None, "recall@20"): 0.0699,
    ("3.4", "gowalla", "temporal", "mf", "LLPAUC", None, "precision@20"): 0.0567,
    ("4.1", "amazon-electronics", "iid", "mf", "w/o-denominator", None, "recall@20"): 0.0160,
    ("4.1", "amazon-games", "iid", "mf", "w/o-outside", None, "precision@20"): 0.0194,
    ("A.1", "gowalla", "temporal", "mf", "SL@K", None, "recall@20"): 0.1559,
    ("A.1", "amazon-games", "temporal", "mf", "SL@K", None, "precision@20"): 0.0091,
    ("A.2", "movielens-100k", "iid", "mf", "Talos", 16, "precision@20"): 0.2311,
    ("A.2", "amazon-beauty", "iid", "mf", "SL@K", 32, "precision@20"): 0.0150,
    ("A.3", "movielens-100k", "iid", "mf", "Talos", None, "precision@100"): 0.1101,
    ("A.3", "movielens-100k", "iid", "mf", "SL@K", None, "precision@400"): 0.0400,
    ("A.4", "movielens-100k", "iid", "mf", "Talos", None, "threshold_error@20"): 0.0059,
    ("A.4", "amazon-games", "iid", "mf", "SL@K", None, "threshold_error@20"): 0.2028,
    ("D.2", "amazon-beauty", "iid", "mf", "PSL", None, "ndcg@20"): 0.0820,
    ("D.2", "gowalla", "iid", "mf", "Talos", None, "mrr@20"): 0.0513,
    ("F.1", "amazon-electronics", "iid", "mf", "SmoothI@K", None, "seconds_per_epoch"): 10.54,
    ("F.1", "gowalla", "iid", "mf", "AdvInfoNCE", None, "seconds_per_epoch"): 1.00,
}
LABELS = {
    "BPR": "bpr",
    "AATP": "aatp",
    "RS@K": "rsk",
    "SmoothI@K": "smoothi",
    "SL": "sl",
    "BSL": "bsl",
    "PSL": "psl",
    "AdvInfoNCE": "advinfonce",
    "LLPAUC": "llpauc",
    "Talos": "talos",
    "Talos@20": "talos",
    "Talos@50": "talos",
    "Talos@80": "talos",
    "SL@K": "slatk",
    "w/o-quantile": "talos-no-quantile",
    "w/o-outside": "talos-inside-temp",
    "w/o-denominator": "talos-no-denominator",
}


def test_every_table_has_its_printed_count_and_no_other_gap() -> None:
    assert {t.id: t.printed for t in paper_tables()} == PRINTED
    assert {t.id: len(t.values) for t in paper_tables()} == HELD
    for table in paper_tables():
        assert len(table.rows) * len(table.columns) == table.printed, table.id
        assert len(table.missing) == table.printed - len(table.values), table.id
    missing = paper_table("3.1").missing
    shipped = {"gowalla", "amazon-beauty"}
    rows = {row for row, column in missing if column[0] in shipped}
    assert {backbone for backbone, _, _ in rows} == {"lightgcn", "xsimgcl"}
    assert {label for _, label, _ in rows} == {"AATP", "RS@K", "SmoothI@K", "BSL", "AdvInfoNCE"}
    assert len([c for _, c in missing if c[0] not in shipped]) == 3 * 10 * 2 * 2
    assert paper_table("3.1").datasets == ["gowalla", "amazon-beauty", "amazon-games", "amazon-electronics"]
    assert paper_table("3.1").backbones == ["mf", "lightgcn", "xsimgcl"]
    for table in paper_tables():
        keys = [
            (v.dataset, v.scenario, v.backbone, v.label, v.negatives, v.metric_name) for v in table.values
        ]
        assert len(keys) == len(set(keys)), f"Table {table.id} repeats a setting"
        assert table.caption


def test_names_are_talosbench_names() -> None:
    for value in published_values():
        assert value.dataset in CATALOG.names()
        assert value.scenario in SCENARIOS.names()
        assert value.backbone in BACKBONES.names()
        assert value.loss == LABELS[value.label]
        declares_k = any(p.name == "k" for p in LOSSES.get(value.loss).declared.hparams)
        assert (value.loss_k is not None) == declares_k, value
        assert value.loss_k == (
            int(value.label.split("@")[1])
            if value.label.startswith("Talos@")
            else (20 if declares_k else None)
        )
        assert (value.negatives is not None) == (value.table == "A.2")
        assert value.metric in {"precision", "recall", "ndcg", "mrr", "threshold_error", "seconds_per_epoch"}
        assert (value.k is None) == (value.metric == "seconds_per_epoch")
        assert 0 < value.value < (20 if value.metric == "seconds_per_epoch" else 1)


@pytest.mark.parametrize(("setting", "expected"), list(SPOT.items()))
def test_spot_values(setting: tuple, expected: float) -> None:
    table, *rest = setting
    found = [
        v.value
        for v in paper_table(table).values
        if (v.dataset, v.scenario, v.backbone, v.label, v.negatives, v.metric_name) == tuple(rest)
    ]
    assert found == [expected]


def test_values_are_those_of_the_protocol_document() -> None:
    """Every number of docs/protocol.md §8's tables (and Table A.1's sentence) is shipped, and no other."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## 8. The paper's numbers") : text.index("## 9. ")]
    table_a1 = section[section.index("Table A.1 (") :].split("\n\n")[0]  # a sentence, not a table
    lines = [line for line in section.splitlines() if line.startswith("|") and not line.startswith("| Imp.")]
    number = re.compile(r"(?<![\d.+])\d+\.\d{2,4}(?!\.?\d)")  # not "+1.24 %", not part of a longer one
    tokens = Counter(number.findall("\n".join([*lines, table_a1])))
    shipped = Counter(
        f"{v.value:.2f}" if v.metric == "seconds_per_epoch" else f"{v.value:.4f}" for v in published_values()
    )
    assert shipped == tokens


# Settings the paper prints in two tables: (table, label) pairs of one setting, and the metric.
SAME_SETTING = [
    (("3.1", "AATP"), ("3.2", "AATP")),
    (("3.1", "PSL"), ("3.2", "PSL")),
    (("3.1", "AdvInfoNCE"), ("3.2", "AdvInfoNCE")),
    (("3.1", "Talos"), ("3.2", "Talos@20")),
    (("3.1", "SL"), ("3.2", "SL")),
    (("3.1", "AATP"), ("3.3", "AATP")),
    (("3.1", "AdvInfoNCE"), ("3.3", "AdvInfoNCE")),
    (("3.1", "Talos"), ("3.3", "Talos@20")),
    (("3.1", "Talos"), ("4.1", "Talos")),
    (("3.4", "Talos"), ("A.1", "Talos")),
]


def test_every_disagreement_between_tables_carries_an_erratum() -> None:
    """Where two tables print one setting's value differently, both values say so; nowhere else."""
    disagree = set()
    for (first, a), (second, b) in SAME_SETTING:
        for x in paper_table(first).values:
            for y in paper_table(second).values:
                same = (x.dataset, x.scenario, x.backbone, x.metric_name) == (
                    y.dataset,
                    y.scenario,
                    y.backbone,
                    y.metric_name,
                )
                if same and (x.label, y.label) == (a, b) and x.value != y.value:
                    disagree |= {x, y}
    assert len(disagree) == 12  # the six pairs of Tables 3.1 / 3.2 / 3.3 that disagree
    noted = {v for v in published_values() if v.notes}
    assert disagree <= noted
    rsk = [v for v in noted - disagree]
    assert [(v.table, v.label, v.metric_name, v.value) for v in rsk] == [("3.2", "RS@K", "recall@50", 0.1059)]
    assert "0.1218" in rsk[0].notes[0]
    assert next(
        v for v in disagree if v.table == "3.1" and v.label == "AdvInfoNCE" and v.dataset == "gowalla"
    ).notes == ("Table 3.2 prints 0.2013 for the same setting",)


def test_table_notes_record_the_presumed_and_doubtful() -> None:
    assert any("Games and Gowalla headers are most likely swapped" in n for n in paper_table("F.1").notes)
    assert any("MF is presumed" in n for n in paper_table("4.1").notes)
    assert (
        paper_table("A.4").incomparable["threshold_error"].label == "definition not published; not comparable"
    )


def test_trained_negatives_are_the_papers() -> None:
    for value in published_values():
        expected = value.negatives or (1 if value.loss == "bpr" else 1024)
        assert value.trained_negatives == expected, value


def test_an_erratum_on_a_value_the_table_does_not_print_is_refused() -> None:
    entry = {
        "id": "3.2",
        "caption": "c",
        "printed": 1,
        "errata": [
            {"dataset": "gowalla", "backbone": "mf", "label": "BPR", "metric": "recall@20", "note": "n"}
        ],
    }
    with pytest.raises(PaperError, match=r"Table 3\.2 has an erratum on .*BPR.*which it does not print"):
        _table(entry, list(paper_table("3.2").values))


def test_unknown_table_lists_the_choices() -> None:
    assert paper_table("Table a.2").id == "A.2"
    with pytest.raises(PaperError, match=r"holds 3\.1, 3\.2, 3\.3, 3\.4, 4\.1, A\.1"):
        paper_table("5.1")
