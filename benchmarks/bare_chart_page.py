"""The floor for page_bench: a bare Streamlit page with one Plotly chart, served as its own app."""

import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
months = [f"2024-{m:02d}-01" for m in range(1, 13)] + [f"2025-{m:02d}-01" for m in range(1, 13)]
st.plotly_chart(go.Figure(go.Scatter(x=months, y=[(i * 7) % 11 for i in range(len(months))], mode="lines+markers")))
