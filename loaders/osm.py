"""Meeting places from OpenStreetMap: Overpass queries, Overpass JSON and OSM PBF/XML files.

Which OSM objects are meeting places is decided by :data:`VENUE_TAGS`, a small table of tag
filters, each with a soort and a Dutch explanation that ends up in the ``reden`` column. The
same table builds the Overpass query and filters a downloaded PBF/XML extract, so both routes
give the same layer. Objects that carry none of these tags are still taken when their name
contains one of :data:`NAME_TERMS` (many Dutch dorpshuizen are mapped as a plain building with
a name); those are classified by :func:`loaders.venue_rules.classify_name`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from os import PathLike
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import requests
from osmium.osm.types import OSMEntity

from loaders import clock
from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session, request_json
from loaders.schema import CRS, LONLAT_BOUNDS, VENUE_COLUMNS
from loaders.venue_rules import MEETING_SOORTEN, classify_name, fold

OVERPASS_URL = "https://overpass-api.de/api/interpreter"
"""The main public Overpass endpoint (POST ``data=<query>``)."""

SOURCE = "OpenStreetMap"
UNSET_TIMESTAMP_YEAR = 1970
"""osmium gives an object without a timestamp the Unix epoch; such a time is no date."""


@dataclass(frozen=True)
class OsmTagRule:
    """One tag filter for meeting places.

    Attributes
    ----------
    tags
        ``(key, value)`` pairs that must all be present on the object.
    soort
        The venue soort given to matching objects.
    uitleg
        Dutch explanation, shown in the ``reden`` column.
    refine_by_name
        When true, a name that the name rules put in a more specific meeting-place soort (e.g.
        "MFA De Kooi" on a generic community centre) overrides ``soort``.
    """

    tags: tuple[tuple[str, str], ...]
    soort: str
    uitleg: str
    refine_by_name: bool = False

    @property
    def label(self) -> str:
        """The filter as OSM tags, e.g. ``"amenity=community_centre"``."""
        return " + ".join(f"{key}={value}" for key, value in self.tags)

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether an object with ``tags`` passes this filter."""
        return all(tags.get(key) == value for key, value in self.tags)

    def overpass_filter(self) -> str:
        """The filter in Overpass QL, e.g. ``["amenity"="community_centre"]``."""
        return "".join(f'["{key}"="{value}"]' for key, value in self.tags)


VENUE_TAGS: tuple[OsmTagRule, ...] = (
    OsmTagRule(
        (("amenity", "community_centre"), ("community_centre", "village_hall")),
        "dorpshuis",
        "gemeenschapscentrum van het type dorpshuis (village_hall)",
    ),
    OsmTagRule(
        (("amenity", "community_centre"),),
        "buurthuis",
        "gemeenschapscentrum (buurthuis, wijkcentrum of dorpshuis)",
        refine_by_name=True,
    ),
    OsmTagRule(
        (("amenity", "social_centre"),),
        "buurthuis",
        "sociaal centrum: ontmoetingsruimte van een vereniging of stichting",
        refine_by_name=True,
    ),
    OsmTagRule(
        (("amenity", "townhall"), ("townhall:type", "community")),
        "dorpshuis",
        "gemeenschapshuis, in OSM getagd als 'community townhall' (geen gemeentehuis)",
    ),
    OsmTagRule(
        (("building", "clubhouse"),),
        "sportkantine",
        "clubhuis van een vereniging, meestal met kantine",
    ),
    OsmTagRule(
        (("leisure", "sports_centre"), ("club", "sport")),
        "sportkantine",
        "sportcomplex van een sportvereniging, met kantine",
    ),
    OsmTagRule(
        (("club", "sport"),),
        "sportkantine",
        "sportvereniging met eigen clubgebouw",
    ),
)
"""Tag filters tried in order; the first one that matches decides soort and reden.

Why these tags: ``amenity=community_centre`` is the OSM tag for dorpshuizen, buurthuizen and
wijkcentra (subtype ``community_centre=village_hall`` for a dorpshuis); ``social_centre`` is
used for club and association rooms open to members and guests; a few Dutch mappers tag a
dorpshuis as ``amenity=townhall`` with ``townhall:type=community``, which is not a gemeentehuis;
sports canteens are mapped as ``building=clubhouse`` or as a sports club (``club=sport``). A
bare ``leisure=sports_centre`` is a sports hall and is left out, as is a plain
``amenity=townhall`` (a gemeentehuis). The tag choices follow SOURCES.md §5 and are not checked
against nationwide counts.
"""

NAME_TERMS: tuple[str, ...] = (
    "dorpshuis",
    "doarpshûs",
    "mienskipshûs",
    "gemeenschapshuis",
    "buurthuis",
    "wijkcentrum",
    "MFA",
    "multifunctionele accommodatie",
    "kulturhus",
)
"""Name fragments (case-insensitive) that select objects without a meeting-place tag."""

_NAME_RE = re.compile("|".join(re.escape(fold(term)) for term in NAME_TERMS))
_FAILED_REMARKS = ("runtime error", "timed out")


def build_venue_query(
    *,
    bbox: tuple[float, float, float, float] | None = None,
    area_name: str | None = None,
    timeout: int = 180,
) -> str:
    """Build the Overpass QL query for meeting places.

    Parameters
    ----------
    bbox
        ``(min_lat, min_lon, max_lat, max_lon)`` in WGS84, Overpass order.
    area_name
        Name of an administrative area, e.g. ``"Drenthe"`` or ``"Aa en Hunze"``. Without
        ``bbox`` and ``area_name`` the query covers the whole Netherlands (heavy: prefer a
        province).
    timeout
        Server-side time limit in seconds.

    Returns
    -------
    str
        The query, ending in ``out center tags;`` so ways and relations come with a centre.
    """
    if bbox is not None and area_name is not None:
        raise ValueError("give either bbox or area_name, not both")
    if bbox is not None:
        header, scope = "", _bbox_scope(bbox)
    elif area_name is not None:
        header = f'area["name"="{_quote(area_name)}"]["boundary"="administrative"]->.a;\n'
        scope = "(area.a)"
    else:
        header, scope = 'area["ISO3166-1"="NL"][admin_level=2]->.a;\n', "(area.a)"
    name_regex = "|".join(NAME_TERMS)
    filters = [f"  nwr{rule.overpass_filter()}{scope};" for rule in VENUE_TAGS]
    filters.append(f'  nwr["name"~"{name_regex}",i]{scope};')
    body = "\n".join(filters)
    return f"[out:json][timeout:{int(timeout)}];\n{header}(\n{body}\n);\nout center tags;"


def _bbox_scope(bbox: Sequence[float]) -> str:
    """Validate a ``(south, west, north, east)`` box and format it for Overpass."""
    south, west, north, east = (float(value) for value in bbox)
    if not (south < north and west < east and LONLAT_BOUNDS.contains(west, south)
            and LONLAT_BOUNDS.contains(east, north)):
        raise ValueError(
            f"invalid bbox {tuple(bbox)}; expected (min_lat, min_lon, max_lat, max_lon)"
        )
    return f"({south},{west},{north},{east})"


def _quote(text: str) -> str:
    """Escape a string for use inside double quotes in Overpass QL."""
    cleaned = " ".join(str(text).split())
    return cleaned.replace("\\", "\\\\").replace('"', '\\"')


def fetch_osm_venues(
    *,
    bbox: tuple[float, float, float, float] | None = None,
    area_name: str | None = None,
    session: requests.Session | None = None,
    base_url: str = OVERPASS_URL,
    timeout: int = 180,
) -> gpd.GeoDataFrame:
    """Fetch meeting places from Overpass.

    Parameters
    ----------
    bbox, area_name, timeout
        See :func:`build_venue_query`.
    session
        HTTP session; a new one from :func:`loaders.http.make_session` when omitted.
    base_url
        The Overpass interpreter endpoint.

    Returns
    -------
    geopandas.GeoDataFrame
        The venues, see :func:`parse_overpass_venues`.

    Raises
    ------
    SourceUnavailable
        When Overpass does not answer, reports a runtime error (timeout, out of memory) or
        returns no element at all (a whole area without a single match is a failed query).
    SourceFormatError
        When the answer is not Overpass JSON.
    """
    query = build_venue_query(bbox=bbox, area_name=area_name, timeout=timeout)
    payload = request_json(
        session or make_session(),
        base_url,
        source=SOURCE,
        data={"data": query},
        timeout=(10.0, float(timeout) + 30.0),
    )
    _raise_on_failed_remark(payload)
    if isinstance(payload, dict) and payload.get("elements") == []:
        raise SourceUnavailable(
            SOURCE,
            "Overpass gaf geen enkel object terug voor dit gebied. Controleer het gebied of "
            "probeer het later opnieuw; de vorige gegevens blijven in gebruik.",
        )
    return parse_overpass_venues(payload, fetched_at=clock.today())


def _raise_on_failed_remark(payload: object) -> None:
    """Overpass answers HTTP 200 with a ``remark`` when a query failed half-way."""
    remark = payload.get("remark") if isinstance(payload, dict) else None
    if isinstance(remark, str) and any(word in remark.lower() for word in _FAILED_REMARKS):
        raise SourceUnavailable(
            SOURCE,
            f"Overpass heeft de zoekopdracht afgebroken ({remark.strip()}). Kies een kleiner "
            "gebied of probeer het later opnieuw.",
        )


def parse_overpass_venues(
    payload: object, *, fetched_at: str | date | datetime | None = None
) -> gpd.GeoDataFrame:
    """Turn an Overpass JSON answer (``out center tags``) into the venues layer.

    Parameters
    ----------
    payload
        The decoded JSON: a dict with an ``elements`` list.
    fetched_at
        Used as ``peildatum`` when the answer has no ``osm3s.timestamp_osm_base``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`loaders.schema.VENUE_COLUMNS`, EPSG:28992. Elements without
        coordinates and elements that match neither a tag filter nor a name term are left out.

    Raises
    ------
    SourceFormatError
        When ``payload`` is not a dict with an ``elements`` list of objects.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("elements"), list):
        raise SourceFormatError(
            SOURCE, "het Overpass-antwoord heeft geen lijst 'elements'; is dit Overpass-JSON?"
        )
    osm3s = payload.get("osm3s")
    stamp = osm3s.get("timestamp_osm_base") if isinstance(osm3s, dict) else None
    peildatum = _date_text(stamp) or _date_text(fetched_at)
    records = []
    for element in payload["elements"]:
        if not isinstance(element, dict) or "type" not in element or "id" not in element:
            raise SourceFormatError(
                SOURCE, f"element zonder 'type' of 'id' in het Overpass-antwoord: {element!r:.80}"
            )
        record = _element_record(element, peildatum)
        if record is not None:
            records.append(record)
    return _venue_frame(records)


def _element_record(element: dict[str, object], peildatum: str | None) -> dict[str, object] | None:
    """One venue row from an Overpass element, or ``None`` if it is no venue or has no point."""
    point = element if element.get("type") == "node" else element.get("center")
    if not isinstance(point, dict) or point.get("lat") is None or point.get("lon") is None:
        return None
    lat, lon = point["lat"], point["lon"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)) or not (
        LONLAT_BOUNDS.contains(lon, lat)
    ):
        raise SourceFormatError(
            SOURCE, f"element {element['type']}/{element['id']} heeft ongeldige coördinaten "
            f"({lat!r:.20}, {lon!r:.20}) in het Overpass-antwoord.",
        )
    found_tags = element.get("tags")
    raw_tags = found_tags if isinstance(found_tags, dict) else {}
    tags = {k: v for k, v in raw_tags.items() if isinstance(k, str) and isinstance(v, str)}
    verdict = classify_tags(tags)
    if verdict is None:
        return None
    ref = f"{element['type']}/{element['id']}"
    return _record(ref, tags, verdict, lon, lat, peildatum)


def classify_tags(tags: Mapping[str, str]) -> tuple[str, bool, str] | None:
    """Classify an OSM object by its tags.

    Parameters
    ----------
    tags
        The object's tags.

    Returns
    -------
    tuple[str, bool, str] or None
        ``(soort, counts, reden)``, or ``None`` when neither a tag filter of
        :data:`VENUE_TAGS` nor a name term of :data:`NAME_TERMS` matches.
    """
    name = tags.get("name")
    for rule in VENUE_TAGS:
        if rule.matches(tags):
            soort = rule.soort
            if rule.refine_by_name:
                name_soort = classify_name(name)[0]
                soort = name_soort if name_soort in MEETING_SOORTEN else soort
            return soort, True, f"OSM-tag {rule.label}: {rule.uitleg}."
    if name and _NAME_RE.search(fold(name)):
        soort, counts, reden = classify_name(name)
        return soort, counts, f"Geen OSM-tag voor ontmoetingsplek; op naam. {reden}"
    return None


def _record(
    osm_ref: str,
    tags: Mapping[str, str],
    verdict: tuple[str, bool, str],
    lon: float,
    lat: float,
    peildatum: str | None,
) -> dict[str, object]:
    """Assemble one venue row; coordinates stay WGS84 until :func:`_venue_frame`."""
    soort, counts, reden = verdict
    street = " ".join(
        part for part in (tags.get("addr:street"), tags.get("addr:housenumber")) if part
    )
    return {
        "venue_id": f"osm:{osm_ref}",
        "naam": tags.get("name"),
        "soort": soort,
        "ontmoetingsplek": counts,
        "reden": reden,
        "adres": street or None,
        "plaats": tags.get("addr:city") or tags.get("addr:place"),
        "gemeentecode": None,
        "source": SOURCE,
        "source_id": osm_ref,
        "peildatum": peildatum,
        "lon": float(lon),
        "lat": float(lat),
    }


def _venue_frame(records: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Venue rows with WGS84 ``lon``/``lat`` → GeoDataFrame in :data:`CRS`."""
    frame = pd.DataFrame(records, columns=[*VENUE_COLUMNS[:-1], "lon", "lat"])
    frame["ontmoetingsplek"] = frame["ontmoetingsplek"].astype(bool)
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=points).to_crs(CRS)


def _date_text(value: str | date | datetime | None) -> str | None:
    """``YYYY-MM-DD`` from a timestamp string, date or datetime; ``None`` when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def parse_osm_pbf_venues(path: str | PathLike[str]) -> gpd.GeoDataFrame:
    """Read meeting places from an OSM PBF or XML file with pyosmium.

    Nodes use their own location; ways use the mean of their node locations (the closing node
    of a ring counted once). Relations are not read. The ``peildatum`` is the file's replication
    timestamp, or else the newest timestamp of the venues found.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`loaders.schema.VENUE_COLUMNS`, EPSG:28992.

    Raises
    ------
    SourceFormatError
        When the file is missing or cannot be read as OSM data.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(SOURCE, f"bestand {path} niet gevonden.")
    keys = sorted({key for rule in VENUE_TAGS for key, _ in rule.tags} | {"name"})
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        stamp = processor.header.get("osmosis_replication_timestamp")
        found = [item for obj in processor if (item := _osm_object(obj)) is not None]
    except RuntimeError as exc:
        raise SourceFormatError(
            SOURCE, f"{path.name} is geen leesbaar OSM-bestand (PBF of XML): {exc}"
        ) from exc
    newest = max((when for *_, when in found if when is not None), default=None)
    peildatum = _date_text(stamp) or _date_text(newest)
    return _venue_frame(
        [
            _record(ref, tags, verdict, lon, lat, peildatum)
            for ref, tags, verdict, (lon, lat), _ in found
        ]
    )


_Found = tuple[str, dict[str, str], tuple[str, bool, str], tuple[float, float], datetime | None]


def _osm_object(obj: OSMEntity) -> _Found | None:
    """Reference, tags, verdict, lon/lat and timestamp of a venue object; ``None`` otherwise."""
    tags = {tag.k: tag.v for tag in obj.tags}
    verdict = classify_tags(tags)
    if verdict is None:
        return None
    if isinstance(obj, osmium.osm.Node):
        ref, lonlat = f"node/{obj.id}", _node_lonlat(obj)
    elif isinstance(obj, osmium.osm.Way):
        ref, lonlat = f"way/{obj.id}", _way_lonlat(obj)
    else:  # the file processor reads nodes and ways only
        return None
    if lonlat is None:
        return None
    when = obj.timestamp if obj.timestamp.year > UNSET_TIMESTAMP_YEAR else None
    return ref, tags, verdict, lonlat, when


def _node_lonlat(node: osmium.osm.Node) -> tuple[float, float] | None:
    """The node's location, or ``None`` when it is invalid."""
    return (node.location.lon, node.location.lat) if node.location.valid() else None


def _way_lonlat(way: osmium.osm.Way) -> tuple[float, float] | None:
    """Mean location of a way's nodes (a closed ring's repeated node once); ``None`` if unknown."""
    nodes = list(way.nodes)
    if len(nodes) > 1 and nodes[0].ref == nodes[-1].ref:
        nodes = nodes[:-1]
    points = [(node.lon, node.lat) for node in nodes if node.location.valid()]
    if not points:
        return None
    return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
