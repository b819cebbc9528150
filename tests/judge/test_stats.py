"""Student's t against table values and closed forms, the bound on a counted rate, and the
pooled noise."""

from __future__ import annotations

import math

import pytest

from orgtui.judge.noise import Noise, pooled
from orgtui.judge.stats import t_ppf, t_sf, upper95

# Two-sided tables' values, to the 6 decimals they print.
TABLE = [
    (0.975, 1, 12.706205),
    (0.975, 2, 4.302653),
    (0.975, 4, 2.776445),
    (0.995, 10, 3.169273),
    (0.9975, 20, 3.153401),
    (0.95, 30, 1.697261),
    (0.999, 60, 3.231709),
    (0.9995, 120, 3.373454),
    (0.9975, 6, 4.316827),
    (0.9975, 4, 5.597568),
]


@pytest.mark.parametrize(("p", "df", "t"), TABLE)
def test_t_ppf_matches_the_tables(p: float, df: int, t: float) -> None:
    assert t_ppf(p, df) == pytest.approx(t, abs=1e-6)
    assert t_ppf(1 - p, df) == pytest.approx(-t, abs=1e-6)
    assert t_sf(t_ppf(p, df), df) == pytest.approx(1 - p, rel=1e-9)


def test_t_ppf_of_the_brief() -> None:
    assert round(t_ppf(0.9975, 20), 4) == 3.1534
    assert round(t_ppf(0.975, 4), 4) == 2.7764
    assert round(t_ppf(0.995, 10), 4) == 3.1693


@pytest.mark.parametrize("t", [-30.0, -2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 4.0, 100.0])
def test_t_sf_closed_forms(t: float) -> None:
    # df 1 is Cauchy; df 2 has sf = 1/2 - t / (2 sqrt(t^2 + 2)).
    assert t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, rel=1e-10, abs=1e-14)
    assert t_sf(t, 2) == pytest.approx(0.5 - t / (2 * math.sqrt(t * t + 2)), rel=1e-10)
    assert t_sf(t, 1e12) == pytest.approx(0.5 * math.erfc(t / math.sqrt(2)), rel=1e-6)


def test_t_sf_values() -> None:
    assert t_sf(2.0, 3) == pytest.approx(0.06966298427942152, rel=1e-10)
    assert t_sf(-1.5, 7) == pytest.approx(0.911350756505015, rel=1e-10)
    assert t_sf(10.0, 5) == pytest.approx(8.547378787148181e-05, rel=1e-9)
    assert t_sf(0.0, 5) == 0.5
    assert t_sf(math.inf, 5) == 0.0
    assert t_sf(1.0, math.inf) == pytest.approx(0.15865525393145707)
    assert t_ppf(0.975, math.inf) == pytest.approx(1.959963985, rel=1e-9)
    assert math.isnan(t_sf(1.0, 0))


def test_t_ppf_edges() -> None:
    assert t_ppf(0.5, 7) == 0.0
    assert t_ppf(1.0, 7) == math.inf
    assert t_ppf(0.0, 7) == -math.inf
    assert math.isnan(t_ppf(0.9, 0))
    assert math.isnan(t_ppf(1.5, 3))
    assert t_ppf(1e-12, 3) == pytest.approx(-10331.108244, rel=1e-8)


def test_upper95_is_clopper_pearson() -> None:
    assert upper95(0, 20000) == pytest.approx(1.844269639618992e-04, rel=1e-8)
    assert upper95(50, 20000) == pytest.approx(3.2946262132782533e-03, rel=1e-8)
    assert upper95(3, 30) == pytest.approx(0.2652884504742081, rel=1e-8)
    assert upper95(0, 1) == pytest.approx(0.975)
    assert upper95(10, 10) == 1.0
    assert upper95(0, 0) == 1.0


def test_pooled_weights_each_group_by_its_degrees_of_freedom() -> None:
    a, b = [1.0, 2.0, 3.0], [10.0, 14.0]  # ss 2 (df 2) and 8 (df 1)
    noise = pooled([a, b, [99.0], []])
    assert noise == Noise(sigma=math.sqrt(10 / 3), df=3)


def test_pooled_ignores_the_level_of_each_group() -> None:
    assert pooled([[1.0, 3.0], [101.0, 103.0]]) == pooled([[1.0, 3.0], [1.0, 3.0]])


def test_pooled_without_degrees_of_freedom() -> None:
    assert pooled([]) == Noise(0.0, 0)
    assert pooled([[1.0], [2.0]]) == Noise(0.0, 0)
    assert pooled(iter([[5.0, 5.0]])) == Noise(0.0, 1)
