"""The Streamlit layer: the only part of qi_dash that imports Streamlit.

One module per page area, each drawing widgets over values the rest of ``qi_dash`` computes:

* ``session``   — the store, and every read cached by data version;
* ``selection`` — page set-up, the sidebar's organisation → directorate → team (→ measure)
  choice kept in the address bar, and the reads made through it (as-of applied);
* ``widgets``   — small shared pieces (table heights, icon images);
* ``panels``    — a measure's chart with its icons and signals; a family of measures;
* ``organisation`` — the organisation at a glance: headline figures, icon matrix, missing data;
* ``pdsa_cycles`` — PDSA cycles under the charts: listed, added, edited with their history;
* ``story`` — the Story page: a unit's improvement story for one measure, for reading and print;
* ``upload_wizard`` and ``mapping_form`` — the Upload page: its steps and the column mapping;
* ``definitions_panel``, ``hierarchy_table`` — the Measures page;
* ``history`` — the Uploads page: every upload and undo;
* ``reading_guide`` — how to read the charts, in plain words.
"""
