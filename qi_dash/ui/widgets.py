"""Small pieces every page area uses: user text in markdown, table heights and Making Data Count icon images."""

from __future__ import annotations

import html
import re

from qi_dash import icons

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>&])")


def markdown_text(text: str) -> str:
    """User text for st.markdown: shown as typed, never as formatting, a link, maths or HTML."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def table_height(rows: int, row: int = 35, most: int = 25) -> int:
    """Pixels for a dataframe showing every row (up to ``most``, then it scrolls)."""
    return 38 + row * min(max(rows, 1), most)


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
