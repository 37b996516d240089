"""Spike detection on constructed hourly series."""
from __future__ import annotations

import numpy as np

from analysis.spikes import detect_spike


def test_steady_poisson_noise_false_alarm_rate_is_about_alpha() -> None:
    rng = np.random.default_rng(7)
    alarms = 0
    trials = 3000
    for _ in range(trials):
        series = rng.poisson(6, size=169).tolist()
        if detect_spike(series[:-1], series[-1], alpha=0.001):
            alarms += 1
    # Expected ~3 alarms at alpha=0.001 (discrete test: at most alpha).
    assert alarms <= 10


def test_five_fold_burst_triggers_with_chinese_explanation() -> None:
    rng = np.random.default_rng(1)
    history = rng.poisson(6, size=168).tolist()
    spike = detect_spike(history, 30)
    assert spike is not None
    assert spike.model == "poisson"
    assert 4 < spike.ratio < 6
    assert spike.p_value < 0.001
    assert "声量激增" in spike.explanation_zh and "泊松" in spike.explanation_zh


def test_min_count_and_empty_baseline() -> None:
    assert detect_spike([0] * 48, 4) is None          # below min_count
    first = detect_spike([], 8)                        # a brand-new topic
    assert first is not None and first.expected == 0.5


def test_overdispersed_baseline_uses_negative_binomial() -> None:
    rng = np.random.default_rng(3)
    # Office-hours rhythm: quiet nights, busy afternoons.
    history = [int(x) for x in rng.negative_binomial(2, 2 / (2 + 6), size=168)]
    burst_that_poisson_would_flag = 20
    spike = detect_spike(history, burst_that_poisson_would_flag)
    assert spike is None  # a Poisson test on the same baseline would alarm here
    big = detect_spike(history, 120)
    assert big is not None and big.model == "negbin" and "负二项" in big.explanation_zh
