"""Factsheets for a list of gemeenten of the national store, written as PDF files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.indicators import kern_links
from loaders.corrections import corrected_venues
from loaders.store import Store
from pipeline.loneliness import stored_kern_loneliness
from pipeline.reach import current_reach
from views.factsheet import (
    FactsheetChoice,
    FactsheetData,
    NoKernenError,
    factsheet_filename,
    factsheet_pdf,
)
from views.kern_factsheet import (
    UnknownKernError,
    find_kern,
    kern_factsheet_filename,
    kern_factsheet_pdf,
)

OPTIONAL_LAYERS = ("eenzaamheid", "buurten", "gemeenten")
MAX_LISTED = 5
"""An unknown gemeente's message lists the stored ones only when there are this few."""


@dataclass
class FactsheetRun:
    """What :func:`write_factsheets` wrote (gemeentecode → file) and what failed (→ reason)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def load_factsheet_data(
    store: Store, region: str, *, mode: str, jaar: int | None = None, leeftijd: str = "18+",
    indicator: str = "eenzaam_pct",
) -> FactsheetData:
    """Read the stored layers and the reach of every kern for ``mode``.

    The reach is the stored layer ``bereik_<mode>`` (:func:`pipeline.reach.current_reach`; computed
    without writing when it is older than its kernen, places or network), so a factsheet gives
    the same distances as the dashboard: over the stored road network when there is one, to
    every meeting place including the user's own lists and corrections and places across a
    gemeente border.
    With an ``eenzaamheid`` layer and a ``jaar``, each kern also gets the figure of its buurten
    (:func:`analysis.indicators.kern_loneliness`).

    Raises
    ------
    loaders.store.StoreError
        When the store, its kernen or its venues are not stored.
    ValueError
        When no stored venue counts as a meeting place.
    """
    kernen = store.read_layer(region, "kernen")
    venues = corrected_venues(store, region)
    optional = {name: store.read_layer(region, name) if store.has_layer(region, name) else None
                for name in OPTIONAL_LAYERS}
    reach = current_reach(store, mode, region=region)
    eenzaamheid = optional["eenzaamheid"]
    if eenzaamheid is not None and jaar is not None:
        reach = stored_kern_loneliness(store, reach, indicator=indicator, leeftijd=leeftijd,
                                       jaar=jaar, region=region)
    links = None
    if optional["eenzaamheid"] is not None:
        links = kern_links(kernen, optional["buurten"], optional["eenzaamheid"])
    return FactsheetData(reach=reach, kernen=kernen, venues=venues,
                         manifest=store.manifest(region), links=links, **optional)


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
    known = set(data.manifest.gemeenten)
    for code in gemeenten:
        if progress:
            progress(f"factsheet {code} maken")
        if known and code not in known:
            run.failed[code] = "geen opgeslagen gemeente" + (
                f" (opgeslagen: {', '.join(sorted(known))})" if len(known) <= MAX_LISTED
                else f"; {len(known)} gemeenten zijn opgeslagen")
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


def write_kern_factsheets(
    data: FactsheetData,
    kernen: Iterable[str],
    gemeenten: Iterable[str],
    folder: Path,
    choice: FactsheetChoice,
) -> FactsheetRun:
    """Write one factsheet per kern (a name or id within ``gemeenten``) into ``folder``.

    A name that matches no kern, or several, is reported in ``failed`` with the Dutch reason.
    """
    folder.mkdir(parents=True, exist_ok=True)
    run = FactsheetRun()
    codes = list(gemeenten)
    for wanted in kernen:
        try:
            kern_id = find_kern(data.reach, wanted, gemeenten=codes)
        except UnknownKernError as exc:
            run.failed[wanted] = str(exc)
            continue
        code = str(data.reach.loc[data.reach["kern_id"] == kern_id, "gemeentecode"].iloc[0])
        this = replace(choice, gemeentecode=code)
        path = folder / kern_factsheet_filename(data, this, kern_id)
        path.write_bytes(kern_factsheet_pdf(data, this, kern_id))
        run.written[wanted] = path
    return run
