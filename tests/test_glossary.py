"""The glossary: one definition per term, anchors the page and links share, and the links the
charts' words get."""

from __future__ import annotations

import re

from qi_dash import glossary, guide
from qi_dash.spc.rules import IHI_SHIFT, MDC_SHIFT, RULES
from qi_dash.ui.widgets import markdown_text

NEEDED = ("run chart", "SPC chart", "common cause", "special cause", "variation icon", "assurance icon",
          "process limits", "centre line", "shift", "trend", "runs", "astronomical point",
          "operational definition", "PDSA", "aim", "outcome measure", "process measure", "balancing measure",
          "baseline", "phase", "target", "trajectory")


def test_every_term_the_brief_names_is_defined_once_with_its_own_anchor():
    anchors = [t.anchor for t in glossary.TERMS]
    assert len(anchors) == len(set(anchors))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", a) for a in anchors)
    for word in NEEDED:
        assert any(word.lower() in (t.term.lower(), *(a.lower() for a in t.also)) for t in glossary.TERMS), word
    phrases = [p.lower() for t in glossary.TERMS for p in (t.term, *t.also)]
    assert len(phrases) == len(set(phrases))  # a phrase leads to one definition only


def test_rule_lengths_in_the_definitions_are_the_engines():
    shift = glossary.BY_ANCHOR["shift"].definition
    assert f"{MDC_SHIFT} points in a row on one side of the mean" in shift
    assert f"{IHI_SHIFT} or more points in a row on one side of the median" in shift


def test_the_first_mention_of_each_term_is_linked_once():
    text = glossary.linked("A shift shows special cause variation; another shift is still special cause.")
    assert text == ("A [shift](./Glossary#shift) shows [special cause variation](./Glossary#special-cause); "
                    "another shift is still special cause.")


def test_links_survive_markdown_escaping_and_leave_words_inside_other_words_alone():
    escaped = markdown_text("Common-cause variation: no signals. Phases shifted.")
    assert glossary.linked(escaped) == (
        r"[Common\-cause variation](./Glossary#common-cause)\: no signals\. [Phases](./Glossary#phase) shifted\.")
    assert glossary.linked("[the target](/elsewhere) and the target") == "[the target](/elsewhere) and the [target](./Glossary#target)"


def test_the_reading_guide_links_its_terms():
    text = glossary.linked(guide.reading_guide())
    for anchor in ("common-cause", "special-cause", "run-chart", "process-limits", "target", "pdsa"):
        assert f"(./Glossary#{anchor})" in text, anchor


def test_every_rule_that_flags_a_point_has_a_term():
    assert set(glossary.RULE_TERMS) == set(RULES) - {""}
    words = glossary.signal_words(["shift", "shift", "beyond_limit"])
    assert words == ("What these words mean: [Special cause variation](./Glossary#special-cause) · "
                     "[Shift](./Glossary#shift) · [Process limits](./Glossary#process-limits).")
