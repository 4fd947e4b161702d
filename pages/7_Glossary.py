"""Glossary: the shared language of improvement — every word the charts use, in plain English."""

from qi_dash.ui import glossary_page
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import page

with failures_told():
    page("Glossary", write_url=False)
    glossary_page.terms()
