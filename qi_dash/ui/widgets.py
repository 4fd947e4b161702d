"""Small pieces every page area uses: user text in markdown, table heights and Making Data Count icon images."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import streamlit as st

from qi_dash import icons

# Every character that starts Markdown or Streamlit syntax: emphasis, code, links and images
# ([]()!), headings (#), lists (-+ and "1." / "1)"), tables (|), quotes and HTML (<>&), maths
# ($), strikethrough (~), and Streamlit's directives — colours ":red[...]", badges, emoji
# shortcodes ":smile:", icons ":material/home:" — which all start with ':'. CommonMark lets any
# ASCII punctuation be escaped with a backslash, and the escaped character shows as itself.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>&:])")
# GitHub-flavoured Markdown turns a bare "http://…", "www.…" or e-mail address into a live
# link after escapes are read, so an escaped colon is not enough: an invisible word joiner
# (U+2060) after the scheme, "www" or "@" keeps the text as typed on screen but no longer a link.
_AUTOLINK = re.compile(r"(?i)\b(https?|mailto|xmpp)(?=\\:)|\b(www)(?=\\\.)|(@)(?=\w)")


def markdown_text(text: object) -> str:
    """User text for anything Streamlit renders as Markdown (st.markdown, captions, alerts,
    headers, widget labels and help, expander and tab labels, radio options): shown as typed
    on one line, never as formatting, a link, an image, maths, colour, an icon or HTML."""
    escaped = _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK.sub(lambda m: m[0] + "\u2060", escaped)


# In HTML that st.markdown may also read as Markdown (unsafe_allow_html), user text is written
# with character references: HTML's own specials, and Markdown's, so neither reading turns it
# into markup (CommonMark: an entity never starts Markdown syntax).
_HTML_SPECIALS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_HTML_MARKDOWN = re.compile(r"[&<>\"'\\`*_{}\[\]()#+\-.!|~$:]")


def html_text(text: object) -> str:
    """User text for HTML (st.html, or st.markdown with unsafe_allow_html): shown as typed on
    one line, never as a tag, an attribute's end, or Markdown."""
    return _HTML_MARKDOWN.sub(lambda m: _HTML_SPECIALS.get(m[0], f"&#{ord(m[0])};"), " ".join(str(text).split()))


def page_href(page: str, params: Mapping[str, str], fragment: str = "") -> str:
    """A relative link to one of the app's pages with its query: every value percent-encoded,
    so a code holding '#', '?', '&', '/' or a space arrives whole (empty values are left out).
    ``fragment`` is kept as text after '#' (a link column's display text)."""
    query = urlencode({k: v for k, v in params.items() if v}, quote_via=quote)
    return f"./{quote(page)}?{query}" + (f"#{fragment}" if fragment else "")


@contextmanager
def lazy_expander(label: str, key: str, icon: str | None = None) -> Iterator[bool]:
    """An expander whose contents are built only while it is open: forms and tables cost the
    browser time to draw on every page load, though most visits never open them. Yields
    whether it is open; its state is ``st.session_state[key]``."""
    with st.expander(label, key=key, icon=icon, on_change="rerun") as box:
        yield bool(box.open)


def table_height(rows: int, row: int = 35, most: int = 25) -> int:
    """Pixels for a dataframe showing every row (up to ``most``, then it scrolls)."""
    return 38 + row * min(max(rows, 1), most)


# Tables that are only read are drawn as HTML: a page with no data grid never loads the grid's
# component, which cost the board a tenth of its load in the browser; and long text wraps.
TABLE_CSS = """<style>
table.qi-table { width: 100%; border-collapse: collapse; margin: 0.25rem 0 1rem; font-size: 0.95rem; }
table.qi-table th { text-align: left; font-weight: 600; border-bottom: 2px solid #AEB7BD; padding: 0.35rem 0.5rem;
  vertical-align: bottom; }
table.qi-table td { border-bottom: 1px solid #E8EDEE; padding: 0.3rem 0.5rem; vertical-align: middle; }
table.qi-table img { display: block; }
</style>"""


def html_table(headings: list[str], rows: list[list[str]]) -> None:
    """A read-only table: ``rows`` of cells already in HTML (user text through ``html_text``),
    written on one line so Markdown reads it as HTML."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    st.markdown(f'{TABLE_CSS}<table class="qi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
                unsafe_allow_html=True)


def icon_image(code: str, kind: str, size: int = 40) -> str:
    """HTML of an icon image whose alt text and tooltip are its meaning in words."""
    title = html.escape(icons.icon_title(code, kind=kind))
    return f'<img src="{icon_uri(code, kind)}" alt="{title}" title="{title}" width="{size}" height="{size}">'


def icon_uri(code: str, kind: str) -> str:
    """An icon as a data URI, for image cells in a table."""
    return svg_uri(icons.icon_svg(code, 40, kind=kind))


def svg_uri(svg: str) -> str:
    """An ``<svg>`` as a data URI, for an image or a stylesheet's background."""
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
