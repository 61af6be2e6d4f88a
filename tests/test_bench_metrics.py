"""The metrics the check-worthiness benchmarks report (bench/checkworthiness.py): they decide what we claim."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.checkworthiness import bootstrap_margin, metrics, precision_at, prf, roc_auc, text_groups


def test_precision_at_counts_ties_at_the_cutoff_by_expectation() -> None:
    scores = np.asarray([0.9, 0.8, 0.5, 0.5, 0.5, 0.1])
    labels = np.asarray([1, 0, 1, 0, 0, 1])
    assert precision_at(scores, labels, k=2) == pytest.approx(0.5)
    # the 3rd slot is one of three tied tweets, one of which is check-worthy
    assert precision_at(scores, labels, k=3) == pytest.approx((1 + 1 / 3) / 3)


def test_roc_auc_equals_pairwise_count() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, 40).astype(float)  # many ties
    labels = rng.integers(0, 2, 40)
    pairs = [(p, n) for p, n in itertools.product(np.flatnonzero(labels == 1), np.flatnonzero(labels == 0))]
    expected = sum(1.0 if scores[p] > scores[n] else 0.5 if scores[p] == scores[n] else 0.0 for p, n in pairs)
    assert roc_auc(scores, labels) == pytest.approx(expected / len(pairs))
    assert roc_auc(np.zeros(40), labels) == 0.5


def test_prf_of_the_positive_class() -> None:
    labels = np.asarray([1, 1, 0, 0, 1])
    assert prf(np.asarray([True, False, True, False, True]), labels) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert prf(np.zeros(5, dtype=bool), labels) == (0.0, 0.0, 0.0)
    p, r, f1 = prf(np.ones(5, dtype=bool), labels)  # "everything check-worthy"
    assert (p, r) == (0.6, 1.0) and f1 == pytest.approx(0.75)


def test_text_groups_join_reposts_of_one_text() -> None:
    groups = text_groups(["أعلنت الوزارة https://t.co/x", "أعلنت  الوزارة", "Other text", "other TEXT"])
    assert groups[0] == groups[1] and groups[2] == groups[3] and groups[0] != groups[2]


def test_bootstrap_margin_separates_a_clear_win_from_a_tie() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    groups = np.arange(300)
    perfect = (labels + rng.random(300) * 0.5, labels == 1)
    noise = rng.random(300)
    coin = (noise, noise >= 0.5)
    margins = bootstrap_margin(perfect, coin, labels, groups)
    for name in ("F1", "P@30", "AUC"):
        observed, low, high = margins[name]
        assert low > 0 and low <= observed <= high, name
    observed, low, high = bootstrap_margin(coin, coin, labels, groups)["F1"]
    assert observed == low == high == 0.0


def test_metrics_rank_by_scores_and_decide_by_decisions() -> None:
    labels = np.asarray([1] * 30 + [0] * 30)
    scores = np.linspace(1, 0, 60)  # perfect ranking
    m = metrics(scores, np.ones(60, dtype=bool), labels)
    assert m["P@30"] == 1.0 and m["AUC"] == 1.0 and m["R"] == 1.0 and m["P"] == 0.5
