"""The icon matrix: every team × measure analysed at once, equal to analysing each alone."""

from __future__ import annotations

from qi_dash import overview
from qi_dash.analysis import measure_view


def test_icon_matrix_matches_each_series_analysed_alone(demo_store):
    observations = demo_store.observations()
    definitions = demo_store.definitions()
    matrix = overview.icon_matrix(observations, definitions)
    pairs = observations[["unit", "measure"]].drop_duplicates()
    assert len(matrix) == len(pairs)
    by_code = {d.code: d for d in definitions}
    for row in matrix.itertuples(index=False):
        view = measure_view(observations, by_code[row.measure], [row.unit])
        assert (row.variation_icon, row.assurance_icon) == (view.result.variation_icon, view.result.assurance_icon), row


def test_the_demo_story_shows_in_the_matrix(demo_store):
    matrix = overview.icon_matrix(demo_store.observations(), demo_store.definitions()).set_index(["unit", "measure"])
    # Ash Ward's restrictive practice fell after Safewards (lower is better); Cedar Ward's rose.
    assert matrix.loc[("W-ASH", "RP_RATE"), "variation_icon"] == "improvement_low"
    assert matrix.loc[("W-CED", "RP_RATE"), "variation_icon"] == "concern_high"


def test_an_empty_store_gives_an_empty_matrix(empty_store):
    assert overview.icon_matrix(empty_store.observations(), empty_store.definitions()).empty
