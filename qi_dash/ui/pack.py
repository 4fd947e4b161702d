"""Board packs and chart images from the app: the sidebar's "Board pack" for the current
selection (PDF or PowerPoint, built on request with a progress bar, then downloaded), and a
chart's PNG and SVG, drawn on the server only when the button is pressed."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import streamlit as st

from qi_dash import pack_file, render
from qi_dash.pack import FORMATS, MEDIA_TYPES, PackError, read_pack
from qi_dash.ui import session
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import lazy_expander, markdown_text

PACK_OPEN = "pack_open"  # the sidebar's "Board pack" expander is open
BUILT = "pack_file"  # session key: (what was asked, file name, bytes) of the last pack built
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def board_pack(selection: Selection, measures: tuple[str, ...] = ()) -> None:
    """In the sidebar: the board pack of the selected unit (and the units one level below it),
    of ``measures`` (default: all), over a chosen period. Built only while open: its date
    fields and buttons cost every page load time to draw, and most visits never open it."""
    with st.sidebar, lazy_expander("Board pack", PACK_OPEN, icon=":material/picture_as_pdf:") as opened:
        if not opened:
            return
        st.caption(f"{markdown_text(selection.name())}: a cover, the summary table with its icons, then each "
                   "measure's chart with its signals, PDSA cycles and comments.")
        fmt = st.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True, key="pack_format")
        start = st.date_input("From", value=None, format="DD/MM/YYYY", key="pack_from",
                              help="The first period in the pack; empty for the first there is.")
        end = st.date_input("To", value=None, format="DD/MM/YYYY", key="pack_to",
                            help="The last period in the pack; empty for the latest.")
        asked = (selection.path, selection.version, selection.unit, measures, start, end, selection.as_of, fmt)
        if st.button("Build board pack", key="pack_build", width="stretch"):
            _build(selection, measures, start, end, fmt, asked)
        built = st.session_state.get(BUILT)
        if built is not None and built[0] == asked:
            st.download_button(f"Download {FORMATS[fmt]}", built[2], built[1], MEDIA_TYPES[fmt], key="pack_download",
                               on_click="ignore", type="primary", width="stretch", icon=":material/download:")


def _build(selection: Selection, measures: tuple[str, ...], start: date | None, end: date | None, fmt: str,
           asked: tuple) -> None:
    with st.status("Building the board pack…", expanded=True) as status:
        bar = st.progress(0.0, text="Reading the data")
        try:
            # Chromium starts, and draws each chart as its figure is made, while the content is read.
            with pack_file.renderer_for(measures or None, fmt) as renderer:
                content = read_pack(session.store(), selection.unit, measures=measures or None, start=start, end=end,
                                    as_of=selection.as_of, draw=renderer.draw)
                data = pack_file.pack_bytes(content, fmt, renderer=renderer,
                                            progress=lambda done, words: bar.progress(done, text=words))
        except (PackError, render.RenderError) as err:
            status.update(label="The board pack could not be built", state="error")
            st.error(str(err))
            return
        status.update(label=f"Board pack ready: {len(content.charts)} chart(s)", state="complete", expanded=False)
    # Only the last pack is kept: a pack of many charts is megabytes.
    st.session_state[BUILT] = (asked, content.file_name(fmt), data)


def image_downloads(container, figure: go.Figure, name: str) -> None:
    """PNG and SVG buttons for a chart, at print size; each image is drawn when its button is
    pressed, not on every rerun."""
    columns = container.columns(len(IMAGE_TYPES), width=220)
    for column, (fmt, media) in zip(columns, IMAGE_TYPES.items()):
        column.download_button(fmt.upper(), lambda fmt=fmt: render.figure_image(figure, fmt), f"{name}.{fmt}", media,
                               key=f"image_{name}_{fmt}", on_click="ignore", icon=":material/image:",
                               help=f"The chart as a {fmt.upper()} image, drawn on the server at print quality")
