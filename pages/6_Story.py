"""Story: a unit's improvement story for one measure — the chart with its PDSA cycles, then each
cycle in order — to read, share and print."""

from qi_dash.ui import story
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import breadcrumb, page

with failures_told():
    selection = page("Story", pick_measure=True, of_a_unit=True)
    breadcrumb(selection)
    story.improvement_story(selection)
