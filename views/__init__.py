"""Pure builders for what the pages show: tables, figures, maps and export bytes."""

__all__ = [
    "charts", "compare", "corrections", "eenzaamheid", "eigen_lijst", "export", "factsheet",
    "factsheet_figures", "kern_factsheet", "kernen", "kernen_export", "labels", "maps", "messages",
    "overview", "pdf", "scenario", "sources", "static", "status", "text",
]
