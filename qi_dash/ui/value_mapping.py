"""The mapping form's newer parts: the form opened with a proposed mapping's choices (each
saying how sure the guess was), the sheets to read, the column-per-period layout's rows, and
value mapping — texts in the file → a team or a measure, the likeliest first."""

from __future__ import annotations


import streamlit as st

from qi_dash.ingest.detect import Proposal
from qi_dash.ingest.mapping_form import (
    NOT_CHOSEN,
    FormChoices,
    chosen_sheets,
    mapped_texts,
    measure_suggestions,
    paired_numbers,
    team_suggestions,
    unknown_measures,
    unresolved_teams,
)
from qi_dash.ingest.workbook import Workbook
from qi_dash.problems import InputError
from qi_dash.ui import session
from qi_dash.ui.widgets import markdown_text

EVERY_VISIBLE = "*"
SHOWN_VALUES = 40  # texts listed per value table; a mapping file can name more


class FormState:
    """The form's widget keys, the proposal's choices put into each widget the first time the
    form shows it, and what each guess was based on."""

    def __init__(self, key: str, proposal: Proposal | None, choices: FormChoices | None, first_visible: str):
        self.key = key
        self.proposal = proposal
        if f"{key}_seeds" not in st.session_state:
            st.session_state[f"{key}_seeds"] = _seeds(choices, first_visible) if choices else {}
        self.seeds: dict = st.session_state[f"{key}_seeds"]

    def widget(self, name: str, options: list | None = None, default: object = None) -> str:
        """The widget's key, with the proposed value put in once if the options allow it (else
        ``default``, when given, the first time)."""
        full = f"{self.key}_{name}"
        if default is not None and full not in st.session_state and name not in self.seeds:
            st.session_state[full] = default
        if name in self.seeds:
            value = self.seeds.pop(name)
            allowed = options is None or (all(v in options for v in value) if isinstance(value, list)
                                          else value in options)
            if allowed:
                st.session_state[full] = value
        return full

    def help(self, guess: str) -> str | None:
        """How sure the proposal was of a guess, and why; None with no proposal or no such guess."""
        if self.proposal is None or guess not in self.proposal.confidence:
            return None
        return f"Guessed, {self.proposal.confidence[guess]:.0%} sure: {self.proposal.why[guess]}"


def _seeds(choices: FormChoices, first_visible: str) -> dict:
    """Each widget's proposed value, by the widget's name in the form."""
    seeds: dict = {
        "sheet": chosen_sheets(choices, first_visible), "header": choices.header_row, "layout": choices.layout,
        "table_end": choices.table_end,
        "period": choices.period_column, "form": choices.period_form, "team_how": choices.team_source,
        "team": choices.team_column, "teams": list(choices.team_columns), "separator": choices.separator,
        "empty": choices.empty_team, "directorate": choices.directorate_column, "comment": choices.comment_column,
        "measure_column": choices.measure_column, "measure_from_sheets": choices.measure_from_sheet,
        "long_value": choices.value_column, "long_numerator": choices.numerator_column,
        "long_denominator": choices.denominator_column, "label": choices.label_column, "name": choices.name,
    }
    if choices.fixed_team:
        seeds["fixed"] = choices.fixed_team
    for prefix, items in (("", choices.measures), ("row_", choices.rows)):
        for code, columns in items.items():
            parts = ("num", "den") if len(columns) == 2 else ("val",)
            seeds.update({f"{prefix}{part}_{code}": column for part, column in zip(parts, columns)})
    seeds.update({f"team_value_{text}": code for text, code in choices.team_values.items()})
    seeds.update({f"measure_value_{text}": code for text, code in choices.measure_values.items()})
    return seeds


def sheets_to_read(form: FormState, workbook: Workbook) -> list[str]:
    """The sheets the user chooses to read: every sheet is listed, hidden ones marked."""
    names = [s.name for s in workbook.sheets]
    hidden = {s.name for s in workbook.sheets if s.hidden}
    first_visible = next(s.name for s in workbook.sheets if not s.hidden)
    options = [*names, EVERY_VISIBLE]
    return st.multiselect(
        "Sheets to read", options, key=form.widget("sheet", options, default=[first_visible]), help=form.help("sheet"),
        format_func=lambda n: ("Every visible sheet (a sheet per team, whatever their names)" if n == EVERY_VISIBLE
                               else f"{n} (hidden)" if n in hidden else n),
    )


def across_rows(form: FormState, labels: list[str]) -> dict[str, tuple[str] | tuple[str, str]]:
    """Per measure, the row (by its label) holding its value, or its numerator and denominator."""
    options = [NOT_CHOSEN, *labels]

    def pick(label: str, name: str, where, guess: str) -> str:
        return where.selectbox(label, options, key=form.widget(name, options), help=form.help(guess),
                               format_func=lambda c: c or "— not in this sheet —")

    st.markdown("**Which rows hold which measures**")
    rows: dict = {}
    for d in session.store().definitions():
        cells = st.columns([2, 1, 1]) if d.has_denominator else st.columns([2, 2])
        cells[0].markdown(f"{markdown_text(d.name)}  \n{markdown_text(d.code)} · {d.kind}")
        guess = f"measure:{d.code}"
        if d.has_denominator:
            rows[d.code] = (pick("Numerator row", f"row_num_{d.code}", cells[1], guess),
                            pick("Denominator row", f"row_den_{d.code}", cells[2], guess))
        else:
            rows[d.code] = (pick("Value row", f"row_val_{d.code}", cells[1], guess),)
    return rows


def value_tables(form: FormState, uploaded, workbook: Workbook, spec: dict, choices: FormChoices) -> dict:
    """The value mapping: per text in the file that names no team (or, in the long layout, no
    measure) as written, the team or measure it means. Returns the choices' ``team_values``
    and ``measure_values``."""
    found = {"team_values": {}, "measure_values": {}}
    team_read = choices.team_source != "fixed"
    long = choices.layout == "long"
    if not (team_read or long):
        return found
    cache = st.session_state.setdefault(f"{form.key}_texts", {})
    read_key = repr(spec)
    if read_key not in cache:
        try:
            cache.clear()
            cache[read_key] = {c: mapped_texts(spec, workbook, c) for c in ("team", "measure")}
        except InputError:
            cache[read_key] = None
    texts = cache[read_key]
    if texts is None:
        st.caption("Once the mapping reads the file, its team and measure texts are listed here to map.")
        return found
    tree = session.hierarchy(session.database_path(), session.store().data_version())
    if team_read:
        teams = unresolved_teams(texts["team"], tree)
        found["team_values"] = _table(form, "team_value", teams, "Teams named in the file that are not in the hierarchy",
                                      lambda t: team_suggestions(t, tree),
                                      lambda c: f"{tree.name(c)} ({c})", "team")
    if long:
        definitions = session.store().definitions()
        names = {d.code: f"{d.code} · {d.name} ({d.kind})" for d in definitions}
        paired = paired_numbers(choices)
        measures = unknown_measures(texts["measure"], definitions)
        found["measure_values"] = _table(form, "measure_value", measures, "Measures named in the file by other words",
                                         lambda t: measure_suggestions(t, definitions, paired), names.get, "measure")
    return found


def _table(form: FormState, name: str, texts: list[str], title: str, suggest, shown, what: str) -> dict[str, str]:
    if not texts:
        return {}
    st.markdown(f"**{title}** — choose the {what} each means (the likeliest first), or leave it as written")
    if len(texts) > SHOWN_VALUES:
        st.caption(f"The first {SHOWN_VALUES} of {len(texts)} are listed; a mapping file (.json) can name the rest.")
    chosen = {}
    for text in texts[:SHOWN_VALUES]:
        options = [NOT_CHOSEN, *suggest(text)]
        left, right = st.columns([1, 2])
        left.markdown(markdown_text(text))
        key = form.widget(f"{name}_{text}", options)
        code = st.session_state.get(key, NOT_CHOSEN)
        guess = f"measure:{code}" if what == "measure" else "team"
        value = right.selectbox(markdown_text(f"The {what} '{text}' means"), options, key=key, label_visibility="collapsed",
                                help=form.help(guess) if code else None,
                                format_func=lambda c: shown(c) if c else "— as written —")
        if value:
            chosen[text] = value
    return chosen
