"""The distributions the verdicts need, in pure Python: Student's t (survival function and
quantile) through the regularized incomplete beta function, and an exact upper bound for a
rate counted in trials (Clopper-Pearson), used by the simulation and the benchmarks."""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_TINY = 1e-300
_EPS = 1e-15
_MAX_TERMS = 2000
_NORMAL_DF = 1e7
"""Past these degrees of freedom t is normal to about 1e-7 (absolute), closer than the
differences of lgamma at such arguments would compute it."""


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):  # fmt: skip
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float, y: float | None = None) -> float:
    """The regularized incomplete beta function I_x(a, b). `y` is 1 - x when the caller knows
    it more precisely than 1 - x would compute it."""
    if y is None:
        y = 1.0 - x
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    front = math.exp(log_front)
    # The fraction converges fast on this side of the mean; the other side by symmetry.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, y) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom (df > 0; infinite is normal)."""
    if math.isnan(t) or not df > 0:
        return math.nan
    if df > _NORMAL_DF:
        return 0.5 * math.erfc(t / math.sqrt(2.0))
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    # P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t^2), written so as not to overflow.
    if abs(t) > 1e100:
        x, y = df / t / t, 1.0
    else:
        x, y = df / (df + t * t), t * t / (df + t * t)
    tail = 0.5 * betainc(df / 2.0, 0.5, x, y)
    return tail if t >= 0 else 1.0 - tail


def _t_pdf(t: float, df: float) -> float:
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)
def t_ppf(p: float, df: float) -> float:
    """The quantile of Student's t: the t with P(T <= t) = p (0 < p < 1, df > 0), to about
    1e-10. Cached: the verdicts ask for few distinct (p, df)."""
    if math.isnan(p) or not df > 0 or not 0.0 <= p <= 1.0:
        return math.nan
    if p < 0.5:
        return -_t_isf(p, df)
    return _t_isf(1.0 - p, df)


def _t_isf(q: float, df: float) -> float:
    """The t >= 0 with P(T > t) = q, for 0 <= q <= 1/2."""
    if q <= 0.0:
        return math.inf
    if q >= 0.5:
        return 0.0
    if df > _NORMAL_DF:
        return -NormalDist().inv_cdf(q)
    # Bracket the root of sf(t) = q, then Newton's steps kept inside the bracket.
    lo, hi = 0.0, max(1.0, -NormalDist().inv_cdf(q))
    while t_sf(hi, df) > q:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return math.inf
    t = 0.5 * (lo + hi)
    for _ in range(200):
        diff = t_sf(t, df) - q
        if diff > 0:
            lo = t
        else:
            hi = t
        pdf = _t_pdf(t, df)
        nxt = t + diff / pdf if pdf > 0 else hi
        if not lo < nxt < hi:
            # Halve the bracket, geometrically when it spans orders of magnitude.
            nxt = math.sqrt(lo * hi) if lo > 0 and hi > 4 * lo else 0.5 * (lo + hi)
        if abs(nxt - t) <= 1e-13 * max(1.0, abs(t)) or hi - lo <= 1e-13 * max(1.0, hi):
            return nxt
        t = nxt
    return t


def _beta_ppf(q: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = q, by bisection (I is increasing in x)."""
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if betainc(a, b, mid) < q:
            lo = mid
        else:
            hi = mid
    return hi


def upper95(hits: int, n: int) -> float:
    """An upper bound for a rate seen `hits` times in `n` trials: the upper end of the exact
    (Clopper-Pearson) two-sided 95% interval, so the true rate is above it at most 2.5% of
    the time. 1.0 when nothing was tried."""
    if n <= 0 or hits >= n:
        return 1.0
    hits = max(hits, 0)
    # P(X <= hits | n, p) = 1 - I_p(hits + 1, n - hits); the bound is where that is 2.5%.
    return _beta_ppf(0.975, hits + 1.0, float(n - hits))
