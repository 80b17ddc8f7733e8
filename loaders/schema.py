"""Column names, layer names and attributions shared by the loaders and the layers above them."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from pyproj import Transformer

CRS = "EPSG:28992"
"""Every geometry inside the product is in RD New (metres)."""


@cache
def wgs84_to_rd() -> Transformer:
    """The lon/lat (EPSG:4326) → RD New transformer, built on first use and then reused."""
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


class Bounds(NamedTuple):
    """A box of coordinates in the order of shapely's and geopandas' ``bounds``.

    ``(min_x, min_y, max_x, max_y)``; x is the easting (RD) or the longitude (WGS84), y the
    northing or the latitude. A plain tuple too, so ``min_x, min_y, max_x, max_y = box`` works.
    """

    min_x: float
    min_y: float
    max_x: float
    max_y: float

    def contains(self, x: float, y: float) -> bool:
        """Whether the point ``(x, y)`` lies in the box, edges included.

        Examples
        --------
        >>> RD_BOUNDS.contains(233_000, 562_000), RD_BOUNDS.contains(562_000, 233_000)
        (True, False)
        """
        return self.min_x <= x <= self.max_x and self.min_y <= y <= self.max_y


RD_BOUNDS = Bounds(min_x=-7000.0, min_y=289000.0, max_x=300000.0, max_y=629000.0)
"""The RD New grid (EPSG:28992) of European Netherlands, land and sea; points outside are not in
the Netherlands.

A box, not the border: points just across it in Belgium or Germany still fall inside, which is
why an uploaded list is also checked against the region's own gemeenten.
"""

LONLAT_BOUNDS = Bounds(min_x=-180.0, min_y=-90.0, max_x=180.0, max_y=90.0)
"""Every valid longitude/latitude pair (WGS84, CRS84) lies in this box, edges included."""

LONELINESS_INDICATORS = {
    "eenzaam_pct": "Eenzaam",
    "ernstig_eenzaam_pct": "(Zeer) ernstig eenzaam",
    "emotioneel_eenzaam_pct": "Emotioneel eenzaam",
    "sociaal_eenzaam_pct": "Sociaal eenzaam",
}
"""Loneliness columns of the ``eenzaamheid`` layer and their Dutch labels."""

AGE_GROUPS = {"20300": "18+", "80200": "65+", "53115": "18-64"}
"""RIVM ``Leeftijd`` codes and the age-group labels used in the store."""

BUURT_COLUMNS = (
    "code",
    "naam",
    "gemeentecode",
    "soort",
    "inwoners",
    "inwoners_65plus",
    "pct_65plus",
    "eenpersoonshuishoudens_pct",
    "stedelijkheid",
    "adresdichtheid",
    "pct_0_15",
    "pct_15_25",
    "indeling",
    "geometry",
)
"""Columns of the ``gemeenten`` and ``buurten`` layers (``soort``: Gemeente/Wijk/Buurt).

``adresdichtheid`` is the CBS omgevingsadressendichtheid (addresses per km² within 1 km of each
address); ``pct_0_15`` and ``pct_15_25`` are the shares of inhabitants aged 0–14 and 15–24."""

EENZAAMHEID_COLUMNS = (
    "regiocode",
    "soort_regio",
    "gemeentenaam",
    "jaar",
    "leeftijd",
    "indeling",
    *LONELINESS_INDICATORS,
    *(f"{c}_ondergrens" for c in LONELINESS_INDICATORS),
    *(f"{c}_bovengrens" for c in LONELINESS_INDICATORS),
)
"""Columns of the ``eenzaamheid`` layer: one row per region, year and age group."""

KERN_COLUMNS = ("kern_id", "naam", "gemeentecode", "buurtcode", "inwoners", "source", "geometry")
"""Columns of the ``kernen`` layer."""

VENUE_COLUMNS = (
    "venue_id",
    "naam",
    "soort",
    "ontmoetingsplek",
    "reden",
    "adres",
    "plaats",
    "gemeentecode",
    "source",
    "source_id",
    "peildatum",
    "geometry",
)
"""Columns of the ``venues`` layer. ``ontmoetingsplek`` says whether it counts, ``reden`` why."""

ATTRIBUTION = {
    "cbs": "Bron: CBS (CC BY 4.0)",
    "pdok": "Bron: CBS / Kadaster, Wijk- en Buurtkaart via PDOK (CC BY 4.0)",
    "rivm": "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor Volwassenen en Ouderen (modelschatting)",
    "osm": "© OpenStreetMap-bijdragers (ODbL)",
    "geonames": "GeoNames (geonames.org, CC BY 4.0)",
    "stemlokaal": "Waar is mijn stemlokaal (Open State Foundation, gemeenten; CC0)",
    "wof": "Bron: CBS / Kadaster, via Who's On First",
}
"""Attribution lines per source family, as shown in the dashboard and exports."""
