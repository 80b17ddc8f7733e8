"""Command line: ``python -m loaders {list,import,fetch,network,venues,herstel,controleer}``.

There is one national store; ``--gebied`` (a gemeente code or name, ``provincie NAME`` or
``NL``) and ``--gemeente`` choose the gemeenten a command refreshes. Other gemeenten keep what
they have; removing or replacing more than that needs ``--vervang-alles``, and every replaced
layer can be restored with ``herstel``.

Examples
--------
python -m loaders import --from ../shared/data --nl
python -m loaders import --from ../shared/data --gebied "Aa en Hunze"
python -m loaders fetch --gemeente GM1680 --jaar 2022
python -m loaders network --osm regio.osm.pbf --gebied GM1680 --modus fiets
python -m loaders network --lijnen wegvakken.shp --gebied Wageningen --modus fiets
python -m loaders venues --bestand onze_plekken.xlsx
python -m loaders venues --bestand onze_plekken.xlsx --accepteer
python -m loaders venues --bestand onze_plekken.xlsx --accepteer --vervang
python -m loaders venues --geocodeer --accepteer
python -m loaders list
python -m loaders herstel --laag kernen --versie 1
python -m loaders controleer
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from loaders.build import (
    LAYER_LABELS,
    BuildReport,
    check_gemeenten,
    fetch_live,
    fetch_network_live,
    folder_gemeenten,
    import_folder,
    import_line_network,
    import_network,
)
from loaders.check import check_store
from loaders.errors import SourceError, SourceFormatError, UnknownRegionError
from loaders.gebied import resolve_gebied
from loaders.manifest import LayerEntry
from loaders.roads import TRAVEL_MODES, travel_mode
from loaders.store import NATIONAL, Store, StoreError, entry_problem
from loaders.venue_columns import describe_columns
from loaders.venue_merge import merge_venues
from loaders.venue_store import (
    OWN_LAYER,
    mark_stored_duplicates,
    region_gemeenten,
    retry_geocoding,
    store_venue_list,
    stored_list_size,
)
from loaders.venues import DUBBEL, GEACCEPTEERD, GECORRIGEERD, read_venue_file, summarise
from pipeline.reach import VENUE_LAYERS, refresh_reach

STEPS = 7
LINE_OPTIONS = {
    "--laag": "bij --lijnen: de laag met de wegen (standaard de enige lijnenlaag)",
    "--eenrichting": "bij --lijnen: kolom met de rijrichting (NWB RIJRICHTNG H/T/B, of "
                     "oneway yes/no/-1); standaard herkend",
    "--soort": "bij --lijnen: kolom met de wegsoort (NWB BST_CODE of OSM highway); standaard "
               "herkend",
    "--lengte": "bij --lijnen: kolom met de lengte in meters (standaard de lengte van de lijn)",
    "--bron": "bij --lijnen: bronvermelding van het wegennet (standaard de bestandsnaam, of NWB)",
}
"""Options of ``network`` that only go with ``--lijnen``."""
REPLACE_ALL_HELP = ("ook gegevens buiten de genoemde gemeenten vervangen of verwijderen (de "
                    "vorige versie blijft te herstellen met herstel)")
NOTHING_CHANGED = "Er is niets gewijzigd aan de opgeslagen gegevens."


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 partly failed, 2 error)."""
    args = _parser().parse_args(argv)
    store = Store(args.data, on_wait=_say_wait)
    run: Callable[[argparse.Namespace, Store], int] = args.run
    try:
        return run(args, store)
    except (SourceError, StoreError, OSError) as exc:
        if isinstance(exc, SourceError):
            message = exc.user_message
        elif isinstance(exc, StoreError):
            message = str(exc)
        else:
            message = (f"{exc.filename or 'een bestand'} is niet te lezen of te schrijven "
                       f"({exc.strerror or type(exc).__name__}).")
        if NOTHING_CHANGED not in message:
            message = f"{message}\n{NOTHING_CHANGED}"
        print(f"FOUT: {message}", file=sys.stderr)
        return 2


def _say_wait(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_mode(word: str) -> str:
    """A travel mode from a Dutch or English word (``"fiets"`` → ``"bike"``), for argparse."""
    try:
        return travel_mode(word)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def area_codes(store: Store, text: str, folder: Path | None = None) -> list[str] | None:
    """The gemeente codes of ``--gebied TEXT`` on the stored gemeenten; None for NL.

    When nothing is stored yet (a first quick start), the gemeenten of the import ``folder``
    are used; without a folder only gemeente codes and NL work.

    Raises
    ------
    UnknownRegionError
        For an unknown or ambiguous area (Dutch message with the closest matches).
    """
    if not store.has_layer(NATIONAL, "gemeenten") and folder is not None:
        gebied = resolve_gebied(text, folder_gemeenten(folder))
        return None if gebied.kind == "land" else list(gebied.codes)
    if not store.has_layer(NATIONAL, "gemeenten"):
        if text.strip().lower() in {"nl", "nederland"}:
            return None
        parts = [p for p in text.split(",") if p.strip()]
        try:
            return check_gemeenten(parts)
        except UnknownRegionError as exc:
            raise UnknownRegionError(
                "gebied", "er zijn nog geen gemeenten opgeslagen, dus alleen gemeentecodes "
                "(GM1680) of NL werken. Importeer eerst Nederland met --nl.",
            ) from exc
    kernen = store.read_layer(NATIONAL, "kernen") if store.has_layer(NATIONAL, "kernen") else None
    gebied = resolve_gebied(text, store.read_layer(NATIONAL, "gemeenten"), kernen=kernen)
    return None if gebied.kind == "land" else list(gebied.codes)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Gegevens ophalen of importeren voor Ontmoetingskaart.",
    )
    parser.add_argument("--data", type=Path, help="map van de opslag (standaard kern_data/)")
    sub = parser.add_subparsers(required=True, metavar="opdracht")

    show = sub.add_parser("list", help="opgeslagen lagen tonen")
    show.add_argument("--quiet", action="store_true", help="alleen de naam van de opslag")
    show.set_defaults(run=_cmd_list)

    restore = sub.add_parser("herstel", help="eerdere versies van lagen tonen of terugzetten")
    restore.add_argument("--laag", action="append",
                         help="de laag (bijv. kernen); herhaal voor meer lagen")
    restore.add_argument("--versie", type=int,
                         help="terug te zetten versie: 1 is de vorige (zonder: alleen tonen)")
    restore.set_defaults(run=_cmd_restore)

    check = sub.add_parser("controleer", help="elke laag controleren tegen het manifest")
    check.add_argument("--snel", action="store_true",
                       help="controlegetallen overslaan (alleen bestand en aantal rijen)")
    check.set_defaults(run=_cmd_check)

    imp = sub.add_parser("import", help="Nederland of gemeenten bouwen uit gedownloade bestanden")
    imp.add_argument("--from", dest="folder", type=Path, required=True, help="map met bestanden")
    _area_args(imp)
    imp.add_argument("--vervang-alles", action="store_true", help=REPLACE_ALL_HELP)
    imp.set_defaults(run=_cmd_import)

    fetch = sub.add_parser("fetch", help="gemeenten ophalen bij CBS, RIVM, PDOK en OpenStreetMap")
    fetch.add_argument("--jaar", type=int, default=2022, help="jaar van de gebiedsindeling")
    _area_args(fetch)
    fetch.set_defaults(run=_cmd_fetch)

    network = sub.add_parser(
        "network", help="wegennetten: uit een OSM-bestand, een lijnenbestand of live via osmnx"
    )
    source = network.add_mutually_exclusive_group()
    source.add_argument("--osm", type=Path,
                        help="OSM-bestand (.osm.pbf of .osm); zonder --osm of --lijnen: live")
    source.add_argument("--lijnen", type=Path,
                        help="lijnenbestand (GeoPackage, shapefile, GeoJSON), bijv. NWB-wegvakken")
    network.add_argument("--gebied", help="gemeente, provincie of NL (standaard alles)")
    network.add_argument("--modus", action="append", type=parse_mode,
                         help="lopen, fiets of auto (standaard alle drie)")
    for option, text in LINE_OPTIONS.items():
        network.add_argument(option, help=text)
    network.add_argument("--vervang-alles", action="store_true", help=REPLACE_ALL_HELP)
    network.set_defaults(run=_cmd_network)

    venues = sub.add_parser(
        "venues", help="eigen lijst met ontmoetingsplekken controleren en opslaan"
    )
    venues.add_argument("--gebied", help="gemeente, provincie of NL waar de lijst bij hoort")
    what = venues.add_mutually_exclusive_group(required=True)
    what.add_argument("--bestand", type=Path, help="CSV, XLSX, GeoJSON of GeoPackage")
    what.add_argument("--geocodeer", action="store_true",
                      help="adressen die op geocodering wachten opnieuw opzoeken")
    venues.add_argument("--accepteer", action="store_true",
                        help="het verslag accepteren en de bruikbare rijen opslaan")
    venues.add_argument("--vervang", action="store_true",
                        help="een opgeslagen lijst met dezelfde bestandsnaam vervangen")
    venues.add_argument("--zonder-geocoderen", action="store_true",
                        help="adressen niet opzoeken bij de PDOK Locatieserver")
    venues.set_defaults(run=_cmd_venues)
    return parser


def _area_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--nl", action="store_true", help="heel Nederland")
    group.add_argument("--gemeente", action="append", help="CBS-gemeentecode, bijv. GM1680")
    group.add_argument("--gebied", help="gemeente (code of naam), ‘provincie NAAM’ of NL")


def _chosen_codes(args: argparse.Namespace, store: Store) -> list[str] | None:
    if getattr(args, "nl", False):
        return None
    if args.gemeente:
        return check_gemeenten(args.gemeente)
    return area_codes(store, args.gebied, getattr(args, "folder", None))


def _cmd_list(args: argparse.Namespace, store: Store) -> int:
    if NATIONAL not in store.regions():
        return 0
    manifest = store.manifest(NATIONAL)
    if args.quiet:
        print(NATIONAL)
        return 0
    problem = store.manifest_problem(NATIONAL)
    if problem:
        print(f"LET OP: {problem}", file=sys.stderr)
    verdicts = {c.layer: c for c in check_store(store, NATIONAL, thorough=False)}
    print(f"{manifest.name}: {len(manifest.gemeenten)} gemeenten")
    for layer, entry in manifest.layers.items():
        verdict = verdicts[layer]
        state = "" if verdict.ok else f" — {verdict.status.upper()}: {verdict.detail}"
        print(f"  {layer}: {_rows(entry)} rijen, {entry.fetched_at or '?'}, "
              f"{entry.attribution}{state}")
    return 0


def _cmd_check(args: argparse.Namespace, store: Store) -> int:
    checks = check_store(store, NATIONAL, thorough=not args.snel)
    if not checks:
        print(f"Er is nog niets opgeslagen in {store.root}.")
        return 0
    for check in checks:
        rows = "" if check.rows is None else f" ({check.rows} rijen)"
        print(f"  {check.layer}: {check.status}{rows} — {check.detail}")
    bad = [check for check in checks if not check.ok]
    if bad:
        print(f"{len(bad)} van {len(checks)} onderdelen hebben een probleem: "
              f"{', '.join(check.layer for check in bad)}.")
        return 1
    print(f"Alle {len(checks)} lagen zijn in orde.")
    return 0


def _cmd_restore(args: argparse.Namespace, store: Store) -> int:
    manifest = store.manifest(NATIONAL)
    layers = args.laag or list(manifest.layers)
    if args.versie is None:
        for layer in layers:
            _print_versions(store, layer)
        print("Zet een versie terug met: python -m loaders herstel --laag LAAG --versie N")
        return 0
    if not args.laag:
        raise StoreError("Noem de laag die je wilt herstellen: --laag LAAG --versie N.")
    restored = store.restore_layers(NATIONAL, dict.fromkeys(args.laag, args.versie))
    for layer in args.laag:
        entry = restored.layers[layer]
        print(f"Hersteld: {LAYER_LABELS.get(layer, layer)} ({layer}) versie {args.versie}: "
              f"{_rows(entry)} rijen, opgehaald {entry.fetched_at or '?'}.")
    print("De vervangen versie staat nu als versie 1; herstel die om dit ongedaan te maken.")
    if any(layer == "kernen" or layer in VENUE_LAYERS or layer.startswith("netwerk_")
           for layer in args.laag):
        reach = refresh_reach(store)
        print(f"Afstanden opnieuw berekend voor {len(reach)} vervoerswijze(n).")
    return 0


def _print_versions(store: Store, layer: str) -> None:
    print(f"{LAYER_LABELS.get(layer, layer)} ({layer}):")
    for number, entry in enumerate(store.layer_versions(NATIONAL, layer)):
        label = "huidig" if number == 0 else f"vervangen {entry.replaced_at or '?'}"
        problem = entry_problem(store.layer_path(NATIONAL, entry), entry)
        state = f" — NIET TE HERSTELLEN: {problem}" if problem else ""
        print(f"  versie {number} ({label}): {_rows(entry)} rijen, opgehaald "
              f"{entry.fetched_at or '?'}, {entry.source}{state}")


def _rows(entry: LayerEntry) -> str:
    """The row count of a manifest entry, ``?`` when it was not recorded."""
    return "?" if entry.rows is None else str(entry.rows)


def _with_progress(
    build: Callable[[Callable[[str], None]], BuildReport],
    store: Store,
    *,
    steps: int = STEPS,
    modes: list[str] | None = None,
) -> int:
    """Run a build with a progress bar, then recompute the stored reach of every kern."""
    started = time.perf_counter()
    with tqdm(total=steps, unit="stap", leave=True) as bar:

        def progress(message: str) -> None:
            bar.set_description(message)
            bar.update(1)

        report = build(progress)
        reach_failed = False
        if report.written:
            progress("afstanden tot ontmoetingsplekken berekenen")
            try:
                reach = refresh_reach(store, modes=modes or TRAVEL_MODES)
            except StoreError as exc:
                reach_failed = True
                report.notes.append(f"de gegevens zijn opgeslagen, maar de afstanden niet: "
                                    f"{exc} De pagina's berekenen ze zolang zelf.")
            else:
                report.notes.append(f"afstanden berekend voor {len(reach)} vervoerswijze(n)")
    print(report.summary())
    print(f"Klaar in {time.perf_counter() - started:.1f} s.")
    return 0 if report.ok and not reach_failed else 1


def _cmd_import(args: argparse.Namespace, store: Store) -> int:
    codes = _chosen_codes(args, store)
    return _with_progress(
        lambda progress: import_folder(args.folder, codes, store=store, progress=progress,
                                       replace_all=args.vervang_alles),
        store,
    )


def _cmd_fetch(args: argparse.Namespace, store: Store) -> int:
    codes = _chosen_codes(args, store)
    if codes is None:
        if not store.has_layer(NATIONAL, "gemeenten"):
            raise UnknownRegionError(
                "invoer", "voor heel Nederland is eerst de lijst met gemeenten nodig: importeer "
                "gedownloade bestanden met python -m loaders import --from MAP --nl, of haal "
                "gemeenten op met --gemeente.",
            )
        codes = sorted(store.read_layer(NATIONAL, "gemeenten")["code"])
    return _with_progress(
        lambda progress: fetch_live(codes, year=args.jaar, store=store, progress=progress),
        store,
    )


def _cmd_network(args: argparse.Namespace, store: Store) -> int:
    modes = args.modus or list(TRAVEL_MODES)
    given = [option for option in LINE_OPTIONS if getattr(args, option[2:]) is not None]
    if given and args.lijnen is None:
        raise SourceFormatError("invoer", f"{', '.join(given)} hoort bij --lijnen BESTAND.")
    codes = area_codes(store, args.gebied) if args.gebied else None
    if args.lijnen is not None:
        return _with_progress(
            lambda progress: import_line_network(
                args.lijnen, codes, modes=modes, layer=args.laag, oneway_column=args.eenrichting,
                kind_column=args.soort, length_column=args.lengte, attribution=args.bron,
                store=store, progress=progress, replace_all=args.vervang_alles,
            ),
            store, steps=len(modes) + 2, modes=modes,
        )
    if args.osm is None:
        return _with_progress(
            lambda progress: fetch_network_live(codes, modes=modes, store=store,
                                                progress=progress,
                                                replace_all=args.vervang_alles),
            store, steps=len(modes) + 1, modes=modes,
        )
    return _with_progress(
        lambda progress: import_network(args.osm, codes, modes=modes, store=store,
                                        progress=progress, replace_all=args.vervang_alles),
        store, steps=len(modes) + 1, modes=modes,
    )


def _cmd_venues(args: argparse.Namespace, store: Store) -> int:
    store.manifest(NATIONAL)
    if args.geocodeer:
        return _retry_geocoding(args, store)
    areas = region_gemeenten(store, NATIONAL)
    if args.gebied and areas is not None:
        codes = area_codes(store, args.gebied)
        areas = areas if codes is None else areas[areas["code"].isin(codes)]
    stored = stored_list_size(store, NATIONAL, args.bestand.name)
    if stored and not args.vervang:
        print(f"FOUT: er is al een opgeslagen lijst '{args.bestand.name}' ({stored} plek(ken)). "
              "Voeg --vervang toe om die lijst door dit bestand te vervangen, of geef het bestand "
              "een andere naam om het als aparte lijst toe te voegen.\nEr is niets gewijzigd aan "
              "de opgeslagen gegevens.", file=sys.stderr)
        return 2
    parsed = read_venue_file(args.bestand, gemeenten=areas, geocode=not args.zonder_geocoderen)
    parsed = mark_stored_duplicates(store, NATIONAL, parsed, replace=args.vervang)
    for line in describe_columns(parsed.columns):
        print(f"• {line}.")
    for note in parsed.notes:
        print(f"• {note}")
    _print_report(parsed.report)
    print(summarise(parsed.report))
    if store.has_layer(NATIONAL, "venues") and len(parsed.venues):
        _print_merges(store.read_layer(NATIONAL, "venues"), parsed.venues)
    usable = len(parsed.venues)
    if not args.accepteer:
        print(f"Er is niets opgeslagen. Voeg --accepteer toe om de {usable} bruikbare rij(en) "
              "op te slaan.")
    elif not usable:
        print("Geen bruikbare rijen; er is niets opgeslagen.")
        return 1
    else:
        store_venue_list(store, NATIONAL, parsed.venues, replace=args.vervang)
        refresh_reach(store)
        waiting = int(parsed.venues.geometry.isna().sum())
        print(f"Opgeslagen: {usable} plek(ken) in laag {OWN_LAYER} "
              f"({waiting} wachten op geocodering).")
    return 0 if parsed.report["status"].isin([GEACCEPTEERD, GECORRIGEERD, DUBBEL]).all() else 1


def _retry_geocoding(args: argparse.Namespace, store: Store) -> int:
    """``venues --geocodeer``: look up the stored rows that still wait for coordinates."""
    report = retry_geocoding(store, NATIONAL, accept=args.accepteer)
    if args.accepteer and len(report):
        refresh_reach(store)
    _print_report(report)
    print(summarise(report))
    print("Opgeslagen." if args.accepteer and len(report) else
          "Er is niets opgeslagen; voeg --accepteer toe om de gevonden plekken op te slaan.")
    return 0 if report["status"].isin([GEACCEPTEERD, GECORRIGEERD]).all() else 1


def _print_merges(base: pd.DataFrame, own: pd.DataFrame) -> None:
    """The places of an own list that coincide with stored meeting places, one line each."""
    _, pairs = merge_venues(base, own)
    if len(pairs):
        print(f"{len(pairs)} plek(ken) vallen samen met bestaande ontmoetingsplekken:")
    for pair in pairs.itertuples(index=False):
        print(f"  {pair.naam_eigen} = {pair.naam_basis} ({pair.bron_basis}, "
              f"{pair.afstand_m:.0f} m)")


def _print_report(report: pd.DataFrame) -> None:
    for row in report.itertuples(index=False):
        print(f"  rij {row.rij:>6}  {row.status:<21} {row.naam}: {row.toelichting}")


if __name__ == "__main__":
    sys.exit(main())
