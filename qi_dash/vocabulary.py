"""The chart vocabulary: every name a measure, a chart or the SPC engine may use, defined once.

Pure constants (no pandas, no Streamlit), so the SPC engine, the definitions, the charts and the
pages all read the same spellings, and the words people see beside them, from here.
"""

from __future__ import annotations

# Chart types. Ratio charts need a numerator and a denominator per period; value charts a
# value; run and XmR charts chart either a value or the ratio.
CHARTS = ("run", "xmr", "p", "pp", "u", "up", "c", "g", "t")
RATIO_CHARTS = ("p", "pp", "u", "up")
PROPORTION_CHARTS = ("p", "pp")  # the ratio charts that need a proportion
LANEY_CHARTS = ("pp", "up")  # P′ and U′: sigma widened by the moving range of z-scores
VALUE_CHARTS = ("c", "g", "t")
MEDIAN_CHARTS = ("run", "g")  # charts whose centre line is a median, not a mean
CHART_NAMES = {
    "run": "Run chart (median)",
    "xmr": "XmR chart (individuals)",
    "p": "P chart (proportion)",
    "pp": "P′ chart (Laney proportion)",
    "u": "U chart (rate)",
    "up": "U′ chart (Laney rate)",
    "c": "C chart (count)",
    "g": "G chart (opportunities between events)",
    "t": "T chart (time between events)",
}

# Which way is improvement.
DIRECTIONS = ("increase", "decrease", "neutral")
DIRECTION_WORDS = {
    "increase": "Higher is better",
    "decrease": "Lower is better",
    "neutral": "Neither higher nor lower is better",
}

# Rule sets: a measure chooses the run-chart rules; every chart with limits uses MDC rules.
RUN_RULES = ("ihi", "anhoej")
MDC_RULES = "mdc"
RULE_SET_NAMES = {"mdc": "Making Data Count rules", "ihi": "IHI rules", "anhoej": "Anhøj rules"}

# What kind of special cause (or none) a charted point shows.
POINT_TYPES = ("common_cause", "improvement", "concern", "neutral_high", "neutral_low")

# The family of measures (the Team page shows them in this order) and what a period's data is.
FAMILIES = ("outcome", "process", "balancing")
FAMILY_TITLES = {
    "outcome": "Outcome measures",
    "process": "Process measures",
    "balancing": "Balancing measures",
}
KINDS = ("proportion", "rate", "count", "value")
RATIO_KINDS = ("proportion", "rate")  # kinds carried as numerator and denominator

# How a measure is combined up the hierarchy.
AGGREGATIONS = ("pooled", "sum", "mean", "none")

# What an observation holds for a period: its numbers, then its comment (the upload's check and
# the store's merge with stored values both work column by column over these).
NUMBER_COLUMNS = ["numerator", "denominator", "value"]
VALUE_COLUMNS = [*NUMBER_COLUMNS, "comment"]
AGGREGATION_WORDS = {  # completes "For a directorate, …"
    "pooled": "numerators and denominators of all its teams are added up each period "
              "(a pooled rate, never an average of team rates)",
    "sum": "the teams' values are added up each period",
    "mean": "the mean of the teams' values each period",
    "none": "this measure is not combined across teams",
}

# What a team decides at the end of a PDSA cycle (the Act step); a cycle with no decision yet is
# still running. Each decision has a symbol, so a chart never tells it by colour alone.
DECISIONS = ("adopt", "adapt", "abandon")
DECISION_WORDS = {"adopt": "Adopt", "adapt": "Adapt", "abandon": "Abandon"}
DECISION_SYMBOLS = {"adopt": "✓", "adapt": "↻", "abandon": "✗"}
RUNNING = "still running"
RUNNING_SYMBOL = "…"
# The four steps of a PDSA cycle, in order: each has a date and notes.
PDSA_STEPS = ("plan", "do", "study", "act")
PDSA_STEP_WORDS = {"plan": "Plan", "do": "Do", "study": "Study", "act": "Act"}
# Phase changes a team records on a measure's chart (qi_dash/phases.py): a new phase
# recalculates the limits from its period; a frozen baseline keeps the limits calculated from
# the points before its period and extends them from it to the end of the phase.
PHASE_KINDS = ("new_phase", "freeze_baseline")
PHASE_KIND_NAMES = {
    "new_phase": "Start a new phase",
    "freeze_baseline": "Freeze the baseline",
}
PHASE_KIND_WORDS = {  # completes "From the period chosen, …"
    "new_phase": "the limits are calculated again from the points of the new phase",
    "freeze_baseline": "the limits are those of the points before it, extended",
}
BASELINE = "Baseline"  # the shaded span whose points a frozen phase's limits come from
