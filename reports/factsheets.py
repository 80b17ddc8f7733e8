"""Factsheets for a list of gemeenten of a stored region, written as PDF files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.indicators import kern_loneliness
from analysis.network import graph_from_road_edges
from analysis.reach import kern_reach
from loaders.roads import RoadEdges
from loaders.store import Store
from views.factsheet import (
    FactsheetChoice,
    FactsheetData,
    NoKernenError,
    factsheet_filename,
    factsheet_pdf,
)

OPTIONAL_LAYERS = ("eenzaamheid", "buurten", "gemeenten")


@dataclass
class FactsheetRun:
    """What :func:`write_factsheets` wrote (gemeentecode → file) and what failed (→ reason)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def load_factsheet_data(
    store: Store, region: str, *, mode: str, jaar: int | None = None, leeftijd: str = "18+",
    indicator: str = "eenzaam_pct",
) -> FactsheetData:
    """Read a region's layers and compute the reach of its kernen for ``mode``.

    The stored road network ``netwerk_<mode>`` is used when present; without it the distances
    are straight-line estimates (:func:`analysis.reach.kern_reach`). With an ``eenzaamheid``
    layer and a ``jaar``, each kern also gets its buurt's figure
    (:func:`analysis.indicators.kern_loneliness`).

    Raises
    ------
    loaders.store.StoreError
        When the region, its kernen or its venues are not stored.
    ValueError
        When no stored venue counts as a meeting place.
    """
    kernen = store.read_layer(region, "kernen")
    venues = store.read_layer(region, "venues")
    optional = {name: store.read_layer(region, name) if store.has_layer(region, name) else None
                for name in OPTIONAL_LAYERS}
    graph = None
    if store.has_layer(region, f"netwerk_{mode}"):
        edges = RoadEdges.from_arrays(store.read_arrays(region, f"netwerk_{mode}"))
        graph = graph_from_road_edges(edges)
    reach = kern_reach(kernen, venues, mode=mode, graph=graph)
    eenzaamheid = optional["eenzaamheid"]
    if eenzaamheid is not None and jaar is not None:
        reach = kern_loneliness(reach, eenzaamheid, indicator=indicator, leeftijd=leeftijd,
                                jaar=jaar)
    return FactsheetData(reach=reach, kernen=kernen, venues=venues,
                         manifest=store.manifest(region), **optional)


def write_factsheets(
    data: FactsheetData,
    gemeenten: Iterable[str],
    folder: Path,
    choice: FactsheetChoice,
    *,
    progress: Callable[[str], None] | None = None,
) -> FactsheetRun:
    """Write one factsheet per gemeente into ``folder`` (created when missing).

    ``choice.gemeentecode`` is replaced by each code in turn. A gemeente without kernen in
    ``data`` (or without any of ``choice.kern_ids``) is reported in ``failed``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    run = FactsheetRun()
    known = set(data.manifest.get("gemeenten", []))
    for code in gemeenten:
        if progress:
            progress(f"factsheet {code} maken")
        if known and code not in known:
            run.failed[code] = (f"hoort niet bij regio {data.manifest.get('region')} "
                                f"(wel: {', '.join(sorted(known))})")
            continue
        this = replace(choice, gemeentecode=code)
        try:
            pdf = factsheet_pdf(data, this)
        except NoKernenError:
            run.failed[code] = ("geen van de gekozen kernen ligt in deze gemeente" if
                                choice.kern_ids else "geen kernen van deze gemeente opgeslagen")
            continue
        path = folder / factsheet_filename(data, this)
        path.write_bytes(pdf)
        run.written[code] = path
    return run
