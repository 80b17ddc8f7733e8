"""Reports made from a stored region outside the dashboard: ``python -m reports factsheet``.

:mod:`reports.factsheets` reads the store and computes the reach; the layout is in
:mod:`views.factsheet`, shared with the dashboard's download button.
"""

__all__ = ["factsheets", "tables"]
