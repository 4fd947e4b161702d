"""SPC engine: run charts and Shewhart charts with Making Data Count rules and icons.

Pure functions over arrays: no Streamlit, no database, no plotting. See ``analyse`` for one
series and ``analyse_many`` for many at once (same results, vectorised); a series' chart
settings are one ``SpcSettings`` value.
"""

from .batch import SPCBatch, analyse_many
from .engine import analyse
from .funnel import FunnelError, funnel
from .inputs import SpcSettings
from .result import SPCResult

__all__ = ["FunnelError", "SPCBatch", "SPCResult", "SpcSettings", "analyse", "analyse_many", "funnel"]
