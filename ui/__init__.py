"""Streamlit glue shared by the pages: the sidebar choice, cached layers and the status line.

``ui.selection`` is pure Python (no Streamlit) so the URL logic can be tested on its own; the
other modules call Streamlit and are exercised through AppTest.
"""

__all__ = [
    "admin", "corrections", "downloads", "exports", "filters", "frame", "kern_figures", "layers",
    "notices", "reach", "refresh", "selection", "sidebar", "store_check", "tiles", "venue_upload",
]
