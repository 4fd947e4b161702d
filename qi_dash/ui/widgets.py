"""Small pieces every page area uses: user text in markdown, table heights and Making Data Count icon images."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from qi_dash import icons

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>&])")


def markdown_text(text: str) -> str:
    """User text for st.markdown: shown as typed, never as formatting, a link, maths or HTML."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


@contextmanager
def lazy_expander(label: str, key: str) -> Iterator[bool]:
    """An expander whose contents are built only while it is open: forms and tables cost the
    browser time to draw on every page load, though most visits never open them. Yields
    whether it is open; its state is ``st.session_state[key]``."""
    with st.expander(label, key=key, on_change="rerun") as box:
        yield bool(box.open)


def table_height(rows: int, row: int = 35, most: int = 25) -> int:
    """Pixels for a dataframe showing every row (up to ``most``, then it scrolls)."""
    return 38 + row * min(max(rows, 1), most)


def icon_uri(code: str, kind: str) -> str:
    """An icon as a data URI, for image cells in a table."""
    svg = icons.icon_svg(code, 40, kind=kind)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def icon_block(result) -> str:
    """HTML of the variation and assurance icons of a result, each with its words."""
    parts = []
    for code, kind in ((result.variation_icon, "variation"), (result.assurance_icon, "assurance")):
        title = html.escape(icons.icon_title(code, kind=kind))
        parts.append(
            f'<div style="text-align:center;margin-bottom:0.6rem" title="{title}">{icons.icon_svg(code, 56, kind=kind)}'
            f'<div style="font-size:0.75rem;line-height:1.1;color:#425563">{title}</div></div>'
        )
    return "".join(parts)
