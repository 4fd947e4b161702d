"""The Upload page's mapping form as a spec: ingest/mapping_form.py."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from qi_dash.hierarchy import Hierarchy
from qi_dash.ingest import mapping
from qi_dash.ingest.mapping_form import (
    NOT_CHOSEN,
    FormChoices,
    choices_from_spec,
    chosen_sheets,
    mapping_from_form,
    measure_suggestions,
    sheet_fields,
    team_suggestions,
    unknown_measures,
    unresolved_teams,
)
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


# The inverse: a spec → the form's choices, to open the form pre-filled with a proposal.
ROUND_TRIPS = {
    "wide": mapping_from_form(replace(WIDE, comment_column="Notes", name="Ward return")),
    "wide, a sheet per team, team values": {
        "sheet": ["Ash Ward", "birch ward", "Lookup"], "header_row": 4,
        "period": {"column": "Month", "form": "month"},
        "team": {"sheet_name": True, "values": {"birch ward": "W-BIR"}}, "layout": "wide",
        "measures": [{"measure": "PRN", "value": "PRN doses"},
                     {"measure": "SAFETY_PLAN", "numerator": "Plans", "denominator": "Audited"}],
        "comment": None,
        "placements": {"sheet": "Lookup", "header_row": 1, "team": "Ward", "directorate": "Directorate"},
    },
    "long, measure values, team columns": {
        "sheet": "Extract", "header_row": 1, "period": {"column": "PeriodStart", "form": "auto"},
        "team": {"columns": ["Site", "Unit"], "separator": " / ", "values": {"N / 7": "W-ASH"}, "empty": "skip"},
        "directorate": {"column": "Division"}, "layout": "long", "measure_column": "Indicator",
        "measure_values": {"Restraint per 1000 OBD": "RP_RATE"}, "numerator": "Num", "denominator": "Denom",
        "comment": "Notes",
    },
    "long, a sheet per measure": {
        "sheet": "*", "header_row": 2, "period": {"column": "Period", "form": "week_ending"},
        "team": {"column": "Team", "empty": "above"}, "layout": "long", "measure_from_sheet": True,
        "value": "Figure", "comment": None,
    },
    "periods_across": {
        "sheet": None, "header_row": 2, "period": {"form": "auto"}, "team": {"fixed": "W-ASH"},
        "layout": "periods_across", "label_column": "Measure",
        "rows": [{"measure": "PRN", "value": "PRN doses"},
                 {"measure": "RP_RATE", "numerator": "Incidents", "denominator": "Occupied bed days"}],
        "period_columns": ["Apr-23", "May-23"],
    },
}


@pytest.mark.parametrize("spec", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_the_choices_for_a_spec_give_the_spec_back(spec):
    assert validate_spec(spec) == []
    assert mapping_from_form(choices_from_spec(spec)) == spec


def test_the_choices_are_the_specs_in_the_forms_terms():
    choices = choices_from_spec(ROUND_TRIPS["long, measure values, team columns"])
    assert (choices.sheet, choices.first_sheet, choices.sheets) == ("Extract", False, ())
    assert (choices.team_source, choices.team_columns, choices.team_values) == (
        "columns", ("Site", "Unit"), {"N / 7": "W-ASH"})
    assert (choices.numerator_column, choices.denominator_column, choices.value_column) == ("Num", "Denom", NOT_CHOSEN)
    across = choices_from_spec(ROUND_TRIPS["periods_across"])
    assert across.first_sheet and across.rows == {"PRN": ("PRN doses",), "RP_RATE": ("Incidents", "Occupied bed days")}


def test_every_corpus_proposal_opens_the_form_and_reads_the_same_rows(demo_store):
    from corpus import CASES

    from qi_dash.upload import AUTO, plan_upload

    for case in CASES:
        proposal = plan_upload(demo_store, case.build(), case.file_name, mapping=AUTO).proposal
        if proposal is None:
            continue
        spec = proposal.spec
        again = mapping_from_form(choices_from_spec(spec))
        # A column-per-period proposal says "no comment column" in so many words; the form leaves it out.
        assert again == {k: v for k, v in spec.items() if not (k == "comment" and v is None and "rows" in spec)}, case.name


def test_what_the_form_cannot_show_is_named():
    with pytest.raises(ValueError, match="directorate from a column only"):
        choices_from_spec({**ROUND_TRIPS["wide"], "directorate": {"fixed": "DIR-ACU"}})
    with pytest.raises(ValueError, match="comment column per measure"):
        choices_from_spec({**ROUND_TRIPS["wide"], "measures": [{"measure": "PRN", "value": "PRN", "comment": "N"}]})


def test_sheets_picked_in_the_form_are_one_sheet_by_name_or_a_list():
    first = sheet_fields(["Ash Ward"], "Ash Ward")
    assert mapping_from_form(replace(WIDE, **first))["sheet"] is None  # the first sheet, whatever its name
    assert mapping_from_form(replace(WIDE, **sheet_fields(["Lookup"], "Ash Ward")))["sheet"] == "Lookup"
    assert mapping_from_form(replace(WIDE, **sheet_fields(["Ash Ward", "Lookup"], "Ash Ward")))["sheet"] == [
        "Ash Ward", "Lookup"]
    assert mapping_from_form(replace(WIDE, **sheet_fields(["*"], "Ash Ward")))["sheet"] == "*"
    for spec in ROUND_TRIPS.values():
        choices = choices_from_spec(spec)
        picked = chosen_sheets(choices, "Ash Ward")
        assert mapping_from_form(replace(choices, **sheet_fields(picked, "Ash Ward")))["sheet"] == (
            spec["sheet"] if spec["sheet"] != ["Ash Ward", "birch ward", "Lookup"] else picked)


def test_value_suggestions_put_the_likeliest_first_and_respect_kind(demo_store):
    tree, definitions = Hierarchy(demo_store.units(), demo_store.aliases()), demo_store.definitions()
    assert team_suggestions("ash", tree)[0] == "W-ASH"
    assert sorted(team_suggestions("ash", tree)) == sorted(tree.teams)
    assert unresolved_teams(["Ash Ward", "W-BIR", "ash", "Ward 99"], tree) == ["ash", "Ward 99"]
    rate = measure_suggestions("Restraint per 1000 OBD", definitions, (True,))
    assert rate[0] == "RP_RATE"
    # Given as a value, a rate text suggests no ratio measure first.
    counted = measure_suggestions("Restraints", definitions, (False,))
    kinds = {d.code: d.kind for d in definitions}
    assert kinds[counted[0]] not in ("proportion", "rate")
    assert unknown_measures(["PRN", "prn", "Physical restraints", "Restraint per 1000 OBD"], definitions) == [
        "Restraint per 1000 OBD"]
