"""The Upload page's mapping form as a spec: ingest/mapping_form.py."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from qi_dash.ingest import mapping
from qi_dash.ingest.mapping_form import NOT_CHOSEN, FormChoices, mapping_from_form
from qi_dash.ingest.spec import LAYOUTS, PERIOD_FORMS, TEAM_SOURCES, validate_spec
from tests.test_mapping import WIDE_ROWS, csv, xlsx

WIDE = FormChoices(
    sheet="Data", first_sheet=True, header_row=1, period_column="Month", team_column="Ward",
    measures={"FALLS": ("Falls",), "PLAN": ("Plans", "Patients"), "PRN": (NOT_CHOSEN,)},
)


def mapped(choices: FormChoices, workbook) -> pd.DataFrame:
    """The spec the choices stand for, checked, applied to the workbook."""
    spec = mapping_from_form(choices)
    assert validate_spec(spec) == []
    return mapping.apply(spec, workbook)[0]


def test_a_wide_sheet_with_a_team_column_gives_its_measures_in_order_leaving_out_those_not_chosen():
    assert mapping_from_form(WIDE) == {
        "sheet": None,
        "header_row": 1,
        "period": {"column": "Month", "form": "auto"},
        "team": {"column": "Ward"},
        "layout": "wide",
        "measures": [
            {"measure": "FALLS", "value": "Falls"},
            {"measure": "PLAN", "numerator": "Plans", "denominator": "Patients"},
        ],
        "comment": None,
    }
    table = mapped(WIDE, xlsx({"Data": WIDE_ROWS}))
    assert table.index.tolist() == [2, 2, 3, 3, 4, 4]
    assert table["team"].tolist() == ["Ash Ward"] * 4 + ["Birch Ward"] * 2
    assert table["measure"].tolist() == ["FALLS", "PLAN"] * 3
    assert table["value"].tolist() == [3, None, 1, None, 0, None]
    assert table["numerator"].tolist() == [None, 18, None, 19, None, 10]
    assert table["comment"].tolist() == [None] * 6


def test_a_ratio_with_one_column_chosen_is_kept_so_the_check_asks_for_the_other():
    spec = mapping_from_form(FormChoices(sheet="Data", first_sheet=True, header_row=1, period_column="Month",
                                         team_column="Ward", measures={"PLAN": ("Plans", NOT_CHOSEN)}))
    assert spec["measures"] == [{"measure": "PLAN", "numerator": "Plans", "denominator": ""}]
    assert validate_spec(spec) == ["measures item 1.denominator must name a column heading."]


def test_nothing_chosen_yet_gives_a_spec_the_check_explains():
    spec = mapping_from_form(FormChoices(sheet="Data", first_sheet=True, header_row=1, period_column=NOT_CHOSEN))
    assert spec == {"sheet": None, "header_row": 1, "period": {"column": "", "form": "auto"},
                    "team": {"column": ""}, "layout": "wide", "measures": [], "comment": None}
    assert validate_spec(spec) == [
        "period.column must name the heading of the period column.",
        "team.column must be non-empty text.",
        'measures must list at least one measure, e.g. [{"measure": "FALLS", "value": "Falls"}].',
    ]


def test_the_first_sheet_is_saved_as_the_first_sheet_and_another_by_its_name():
    workbook = xlsx({"Cover": [["x"]], "Data": WIDE_ROWS})
    choices = replace(WIDE, first_sheet=False)
    assert mapping_from_form(choices)["sheet"] == "Data"
    assert len(mapped(choices, workbook)) == 6
    # Saved as the first sheet, the layout reads a file whose one sheet has another name.
    april = csv("Month,Ward,Falls\nApr-24,Ash Ward,3\n", name="april.csv")
    assert mapped(replace(WIDE, sheet="march", measures={"FALLS": ("Falls",)}), april)["value"].tolist() == ["3"]


def test_a_header_row_below_a_title_and_a_comment_column_and_a_name_are_kept():
    rows = [["Ward return"], WIDE_ROWS[0], *WIDE_ROWS[1:]]
    choices = replace(WIDE, header_row=2, comment_column="Notes", name="Ward return")
    spec = mapping_from_form(choices)
    assert (spec["header_row"], spec["comment"], spec["name"]) == (2, "Notes", "Ward return")
    table = mapped(choices, xlsx({"Data": rows}))
    assert table.index.tolist() == [3, 3, 4, 4, 5, 5]
    assert table["comment"].tolist() == [None, None, "+1 agency nurse", "+1 agency nurse", None, None]


def test_team_from_several_columns_joined():
    choices = FormChoices(sheet="team", first_sheet=True, header_row=1, period_column="Month",
                          team_source="columns", team_columns=("Site", "Unit"), separator=" / ",
                          measures={"FALLS": ("Falls",)})
    assert mapping_from_form(choices)["team"] == {"columns": ["Site", "Unit"], "separator": " / "}
    table = mapped(choices, csv("Month,Site,Unit,Falls\nApr-24,North,Ash,3\nApr-24,South,,1\n"))
    assert table["team"].tolist() == ["North / Ash", "South"]


def test_a_fixed_team_takes_the_whole_sheet():
    choices = FormChoices(sheet="team", first_sheet=True, header_row=1, period_column="Month",
                          team_source="fixed", fixed_team="W-ASH", measures={"FALLS": ("Falls",)})
    assert mapping_from_form(choices)["team"] == {"fixed": "W-ASH"}
    assert mapped(choices, csv("Month,Falls\nApr-24,3\nMay-24,1\n"))["team"].tolist() == ["W-ASH", "W-ASH"]


def test_a_sheet_per_team_names_each_team_after_its_sheet():
    choices = FormChoices(sheet="*", first_sheet=False, header_row=1, period_column="Month",
                          team_source="sheet_name", measures={"FALLS": ("Falls",)})
    spec = mapping_from_form(choices)
    assert (spec["sheet"], spec["team"]) == ("*", {"sheet_name": True})
    workbook = xlsx({"Ash Ward": [["Month", "Falls"], ["Apr-24", 3]], "Birch Ward": [["Month", "Falls"], ["Apr-24", 1]]})
    table = mapped(choices, workbook)
    assert table[["team", "sheet", "value"]].values.tolist() == [["Ash Ward", "Ash Ward", 3], ["Birch Ward", "Birch Ward", 1]]


def test_a_directorate_column_is_added_only_when_chosen():
    assert "directorate" not in mapping_from_form(WIDE)
    choices = FormChoices(sheet="team", first_sheet=True, header_row=1, period_column="Month", team_column="Ward",
                          directorate_column="Division", measures={"FALLS": ("Falls",)})
    assert mapping_from_form(choices)["directorate"] == {"column": "Division"}
    table = mapped(choices, csv("Month,Ward,Division,Falls\nApr-24,Oak Ward,Surgery,2\n"))
    assert table[["team", "directorate"]].values.tolist() == [["Oak Ward", "Surgery"]]


def test_a_long_sheet_names_only_the_number_columns_chosen():
    choices = FormChoices(sheet="team", first_sheet=True, header_row=1, period_column="Month", team_column="Ward",
                          layout="long", measure_column="Measure", value_column="Value",
                          measures={"FALLS": ("Falls",)})
    spec = mapping_from_form(choices)
    assert spec == {"sheet": None, "header_row": 1, "period": {"column": "Month", "form": "auto"},
                    "team": {"column": "Ward"}, "layout": "long", "measure_column": "Measure", "value": "Value",
                    "comment": None}
    table = mapped(choices, csv("Month,Ward,Measure,Value\nApr-24,Ash Ward,FALLS,3\nApr-24,Ash Ward,PRN,7\n"))
    assert table[["measure", "value"]].values.tolist() == [["FALLS", "3"], ["PRN", "7"]]

    ratio = replace(choices, value_column=NOT_CHOSEN, numerator_column="Plans", denominator_column="Patients")
    assert {k: v for k, v in mapping_from_form(ratio).items() if k in ("value", "numerator", "denominator")} == {
        "numerator": "Plans", "denominator": "Patients"}
    table = mapped(ratio, csv("Month,Ward,Measure,Plans,Patients\nApr-24,Ash Ward,PLAN,18,20\n"))
    assert table[["numerator", "denominator"]].values.tolist() == [["18", "20"]]


def test_every_period_form_and_layout_the_form_offers_is_one_the_spec_accepts():
    for form in PERIOD_FORMS:
        assert validate_spec(mapping_from_form(replace(WIDE, period_form=form))) == []
    for layout in LAYOUTS:
        choices = replace(WIDE, layout=layout, measure_column="Measure", value_column="v",
                          label_column="Measure", rows={"FALLS": ("Falls",)})
        assert validate_spec(mapping_from_form(choices)) == []
    week_ending = FormChoices(sheet="team", first_sheet=True, header_row=1, period_column="Week ending",
                              period_form="week_ending", team_source="fixed", fixed_team="W-ASH",
                              measures={"FALLS": ("Falls",)})
    table = mapped(week_ending, csv("Week ending,Falls\n07/06/2024,3\n"))
    assert table["period"].tolist() == [pd.Timestamp("2024-06-03")]


def test_every_team_source_has_words_and_an_unknown_one_is_a_mistake():
    assert all(TEAM_SOURCES.values()) and all(PERIOD_FORMS.values()) and all(LAYOUTS.values())
    with pytest.raises(ValueError, match="unknown team source 'rows'"):
        mapping_from_form(replace(WIDE, team_source="rows"))
