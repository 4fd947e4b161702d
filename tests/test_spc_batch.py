"""The vectorised path (qi_dash/spc/batch.py) equals ``analyse`` series by series, and no
input of numbers, gaps, zeros or repeats makes the engine raise (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qi_dash.spc import SpcSettings, analyse, analyse_many

CHARTS = ["run", "xmr", "p", "pp", "u", "up", "c", "g", "t"]
RATIO = {"p", "pp", "u", "up"}

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.sampled_from([0.0, 1.0, 0.1, -1.0, np.nan, 5.0]),
    st.integers(-5, 50).map(float),
)
series_values = st.lists(numbers, min_size=0, max_size=30)


def dates(n):
    return pd.date_range("2020-01-06", periods=n, freq="W-MON")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chart=st.sampled_from(CHARTS), values=series_values, data=st.data())
def test_no_series_of_numbers_makes_analyse_raise(chart, values, data):
    n = len(values)
    kw = {
        "chart": chart,
        "direction": data.draw(st.sampled_from(["increase", "decrease", "neutral"])),
        "run_rules": data.draw(st.sampled_from(["ihi", "anhoej"])),
        "baseline_points": data.draw(st.one_of(st.none(), st.integers(1, 40))),
        "screen_moving_ranges": data.draw(st.booleans()),
        "target": data.draw(st.one_of(st.none(), numbers)),
    }
    if chart in RATIO:
        den = data.draw(st.lists(numbers, min_size=n, max_size=n))
        r = analyse(dates(n), numerators=values, denominators=den, settings=SpcSettings(**kw))
    else:
        r = analyse(dates(n), values, settings=SpcSettings(**kw))
    assert len(r.points) == n
    assert r.variation_icon in {
        "common_cause",
        "improvement_high",
        "improvement_low",
        "concern_high",
        "concern_low",
        "neutral_high",
        "neutral_low",
        "none",
    }
    assert r.assurance_icon in {"pass", "fail", "hit_and_miss", "none"}


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("values", [[], [3.0], [0.0] * 20, [7.0] * 20, [np.nan] * 5, [1e308, -1e308, 1e308]])
def test_edge_series_do_not_raise(chart, values):
    n = len(values)
    if chart in RATIO:
        analyse(dates(n), numerators=values, denominators=values, settings=SpcSettings(chart=chart))
    else:
        analyse(dates(n), values, settings=SpcSettings(chart=chart))


def _frame(draw_lists):
    rows = []
    for key, values in enumerate(draw_lists):
        for i, v in enumerate(values):
            rows.append((f"s{key}", dates(len(values))[i], v, abs(v) if np.isfinite(v) else v, 10.0 + i))
    return pd.DataFrame(rows, columns=["series", "period", "value", "numerator", "denominator"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lists=st.lists(st.lists(numbers, min_size=1, max_size=25), min_size=1, max_size=6),
    chart=st.sampled_from(CHARTS),
    run_rules=st.sampled_from(["ihi", "anhoej"]),
    baseline=st.one_of(st.none(), st.integers(1, 15)),
    multiplier=st.sampled_from([1, 100]),
)
def test_analyse_many_equals_analyse_on_every_series(lists, chart, run_rules, baseline, multiplier):
    frame = _frame(lists)
    kw = {"chart": chart, "run_rules": run_rules, "baseline_points": baseline, "multiplier": multiplier}
    ratio = chart in RATIO
    batch = analyse_many(frame.drop(columns=["value"]) if ratio else frame, SpcSettings(target=5.0, **kw))
    for key, part in frame.groupby("series", sort=False):
        if ratio:
            counts = {"numerators": part.numerator, "denominators": part.denominator}
            one = analyse(part.period, **counts, settings=SpcSettings(target=5.0, **kw))
        else:
            one = analyse(part.period, part.value, settings=SpcSettings(target=5.0, **kw))
        assert batch[key].equals(one)


def test_analyse_many_mixes_charts_settings_phases_and_unsorted_rows():
    rng = np.random.default_rng(3)
    rows = []
    for s in range(40):
        for i in range(30 + s % 7):
            rows.append((s, dates(40)[i], float(rng.normal(20, 4)), float(rng.integers(0, 30)), 40.0))
    frame = pd.DataFrame(rows, columns=["series", "period", "value", "numerator", "denominator"])
    frame.loc[rng.random(len(frame)) < 0.05, "value"] = np.nan
    frame = frame.sample(frac=1, random_state=1)  # unsorted input
    charts = {s: ["xmr", "run", "c", "t", "g"][s % 5] for s in range(40)}
    directions = {s: ["increase", "decrease", "neutral"][s % 3] for s in range(40)}
    starts = {s: [dates(40)[12]] for s in range(0, 40, 4)}
    settings = {s: SpcSettings(chart=charts[s], direction=directions[s], target=21.0) for s in range(40)}
    batch = analyse_many(frame, settings, phase_starts=starts)
    assert len(batch) == 40 and len(batch.icons) == 40
    for s in range(40):
        part = frame[frame.series == s]
        one = analyse(part.period, part.value, settings=settings[s], phase_starts=starts.get(s, ()))
        assert batch[s].equals(one)


def test_many_random_xmr_series_equal_analyse():
    rng = np.random.default_rng(11)
    n_series, width = 300, 60
    frame = pd.DataFrame(
        {
            "series": np.repeat(np.arange(n_series), width),
            "period": np.tile(dates(width).values, n_series),
            "value": rng.normal(50, 5, n_series * width).round(1),
        }
    )
    batch = analyse_many(frame)
    for s in range(n_series):
        assert batch[s].equals(analyse(dates(width), frame.value.values[s * width : (s + 1) * width]))


def test_series_in_blocks_worked_on_at_once_equal_analyse():
    """More phases than one block holds (``kernel.CHUNK_ROWS``), of uneven lengths and with
    signals: the blocks are worked on side by side and each series still equals its own."""
    from qi_dash.spc.kernel import CHUNK_ROWS

    rng = np.random.default_rng(5)
    n_series = 2 * CHUNK_ROWS + 300
    lengths = rng.integers(1, 40, n_series)
    values = rng.poisson(8, int(lengths.sum())).astype(float)
    values[rng.random(values.size) < 0.03] = 30.0  # points beyond the limits
    frame = pd.DataFrame({
        "series": np.repeat(np.arange(n_series), lengths),
        "period": np.concatenate([dates(n).values for n in lengths]),
        "value": values,
    })
    batch = analyse_many(frame, SpcSettings(chart="c"))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    edges = [CHUNK_ROWS - 1, CHUNK_ROWS, 2 * CHUNK_ROWS - 1, 2 * CHUNK_ROWS, n_series - 1]
    for s in sorted({*edges, *range(0, n_series, 41)}):
        one = analyse(dates(lengths[s]), values[starts[s] : starts[s + 1]], settings=SpcSettings(chart="c"))
        assert batch[s].equals(one), s
    assert any(batch[s].points["rule"].ne("").any() for s in edges)


def test_analyse_many_keeps_counts_for_series_charted_from_the_ratio():
    frame = pd.DataFrame({
        "series": ["a"] * 3, "period": dates(3), "numerator": [1.0, 2.0, 3.0], "denominator": [10.0, 20.0, 30.0],
    })
    points = analyse_many(frame, SpcSettings(chart="u"))["a"].points
    assert points.numerator.tolist() == [1, 2, 3] and points.denominator.tolist() == [10, 20, 30]


def test_analyse_many_takes_one_target_per_series():
    frame = pd.DataFrame({"series": ["a"] * 3, "period": dates(3), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="one target per series"):
        analyse_many(frame, SpcSettings(target=[1, 2, 3]))
    with pytest.raises(ValueError, match="no settings given"):
        analyse_many(frame, {"b": SpcSettings()})
