"""Significance helpers: Holm correction, paired Wilcoxon and t-test edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from talosbench.report import stats


def test_holm_known_values() -> None:
    # sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert stats.holm([]) == []


def test_wilcoxon_identical_and_shifted() -> None:
    a = np.linspace(0, 1, 30)
    assert stats.wilcoxon(a, a.copy()) == 1.0
    assert stats.wilcoxon(a + 0.1, a) < 1e-5
    assert math.isnan(stats.wilcoxon(np.empty(0), np.empty(0)))


def test_ttest_edges() -> None:
    assert math.isnan(stats.ttest([0.1], [0.2]))
    assert stats.ttest([0.3, 0.31, 0.32], [0.2, 0.21, 0.22]) == 0.0  # constant difference
    assert stats.ttest([0.2, 0.2, 0.2], [0.2, 0.2, 0.2]) == 1.0
    assert stats.ttest([0.50, 0.56, 0.53], [0.55, 0.54, 0.56]) > 0.3
