"""Volume spikes: is this hour's count improbably high given the baseline?

An upper-tail test: Poisson when the baseline's variance is close to its mean,
negative binomial (method of moments) when it is overdispersed — mention
volumes usually are (news cycles, office hours), and a Poisson test on such a
baseline would cry wolf every afternoon.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from scipy import stats

# Expected count never taken below this: an empty baseline must not make the
# first few mentions look infinitely surprising.
MIN_EXPECTED = 0.5
# Variance/mean ratio above which the baseline counts as overdispersed.
OVERDISPERSION = 1.5


@dataclass(frozen=True)
class Spike:
    expected: float
    observed: int
    p_value: float
    ratio: float
    explanation_zh: str
    model: str = "poisson"   # "poisson" | "negbin"


def detect_spike(history: list[int], current: int, *, alpha: float = 0.001,
                 min_count: int = 5) -> Spike | None:
    """Spike if ``current`` ≥ ``min_count`` and P(X ≥ current | baseline) < ``alpha``.

    ``history`` is the hourly counts of the baseline window (e.g. the last 7 days).
    """
    if current < min_count:
        return None
    mean = statistics.fmean(history) if history else 0.0
    expected = max(mean, MIN_EXPECTED)
    var = statistics.pvariance(history) if len(history) >= 2 else mean
    if len(history) >= 12 and mean > 0 and var > OVERDISPERSION * mean:
        r = mean * mean / (var - mean)
        p = r / (r + mean)
        p_value = float(stats.nbinom.sf(current - 1, r, p))
        model = "negbin"
    else:
        p_value = float(stats.poisson.sf(current - 1, expected))
        model = "poisson"
    if p_value >= alpha:
        return None
    ratio = current / expected
    test = "负二项检验（基线波动较大）" if model == "negbin" else "泊松检验"
    explanation = (f"过去 {len(history)} 小时平均每小时 {mean:.1f} 篇，本小时 {current} 篇，"
                   f"约为平常的 {ratio:.1f} 倍；{test} p={p_value:.2g}，低于阈值 {alpha:g}，判定为声量激增。")
    return Spike(expected=round(expected, 3), observed=current, p_value=p_value,
                 ratio=round(ratio, 2), explanation_zh=explanation, model=model)
