"""Data loaders: fetch or read public sources, parse them, and keep them in the local store.

Every source has a ``fetch_*`` function (real HTTP through :mod:`loaders.http`) and a
``parse_*``/``read_*`` function that turns the response or a downloaded file into a
(Geo)DataFrame in EPSG:28992. The two are kept apart so that tests can replay recorded
responses and users can import files when an API is blocked.
"""

__all__ = [
    "build", "cbs", "check", "clock", "corrections", "divisions", "errors", "files", "from_files",
    "gebied", "http", "kernen", "lines", "locatieserver", "manifest", "odata", "osm", "parsed",
    "pdok", "regions", "rivm", "roads", "schema", "stemlokalen", "store", "tabular", "venue_checks",
    "venue_columns", "venue_coordinates", "venue_duplicates", "venue_files", "venue_findings",
    "venue_merge", "venue_rules", "venue_store", "venues",
]
