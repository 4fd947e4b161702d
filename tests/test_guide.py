"""The reading guide is written from the engine's constants (qi_dash/guide.py)."""

from __future__ import annotations

import re

from qi_dash.guide import MDC_RULE_WORDS, reading_guide
from qi_dash.spc.limits import TRIAL_LIMIT_POINTS, XMR_LIMIT
from qi_dash.spc.rules import IHI_SHIFT, IHI_TREND, MDC_ORDER, MDC_SHIFT, MDC_TREND


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_rule_lengths_limit_constant_and_trial_threshold_are_the_engines():
    text = words(reading_guide())
    assert f"{XMR_LIMIT:g} × the average moving range" in text
    assert f"With fewer than {TRIAL_LIMIT_POINTS} points the limits are *trial limits*" in text
    assert f"{MDC_TREND} points in a row rising or falling" in text
    assert f"{MDC_SHIFT} points in a row on one side of the mean" in text
    assert f"{IHI_SHIFT} or more points in a row on one side of the median" in text
    assert f"{IHI_TREND} or more points in a row going up or down" in text


def test_every_number_in_the_guide_is_one_of_the_constants():
    # "2 of 3" names a rule; every other number comes from the engine.
    numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", reading_guide())}
    assert numbers == {2, 3, XMR_LIMIT, TRIAL_LIMIT_POINTS, MDC_TREND, MDC_SHIFT, IHI_SHIFT, IHI_TREND}


def test_spc_chart_rules_are_listed_in_the_order_that_names_a_signal():
    text = words(reading_guide())
    places = [text.index(MDC_RULE_WORDS[code]) for code in MDC_ORDER]
    assert places == sorted(places) and len(MDC_RULE_WORDS) == len(MDC_ORDER)
    assert "When several apply, the first in that order names the signal." in text
