"""Command line: ``python -m loaders {list,import,fetch,network,venues,demo}``.

Examples
--------
python -m loaders import --from ../shared/data --gemeente GM1680
python -m loaders fetch --gemeente GM1680 --jaar 2022
python -m loaders demo --from ../shared/data
python -m loaders network --osm regio.osm.pbf --regio aa-en-hunze
python -m loaders venues --regio aa-en-hunze --bestand onze_plekken.xlsx
python -m loaders venues --regio aa-en-hunze --bestand onze_plekken.xlsx --accepteer
python -m loaders venues --regio aa-en-hunze --geocodeer --accepteer
python -m loaders list
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
    BuildReport,
    fetch_live,
    fetch_network_live,
    import_folder,
    import_network,
)
from loaders.errors import SourceError
from loaders.roads import TRAVEL_MODES
from loaders.store import Store, StoreError
from loaders.venue_merge import merge_venues
from loaders.venue_store import (
    OWN_LAYER,
    region_gemeenten,
    retry_geocoding,
    store_venue_list,
)
from loaders.venues import GEACCEPTEERD, GECORRIGEERD, read_venue_file, summarise

DEMO_REGIONS = {
    "aa-en-hunze": ("Aa en Hunze", ["GM1680"]),
    "baarn": ("Baarn", ["GM0308"]),
    "drenthe": (
        "Drenthe",
        ["GM0106", "GM0109", "GM0114", "GM0118", "GM0119", "GM1680", "GM1681", "GM1690",
         "GM1699", "GM1701", "GM1730", "GM1731"],
    ),
}
"""Regions that ``demo`` imports: the two test gemeenten and a whole province."""
STEPS = 5


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 partly failed, 2 error)."""
    args = _parser().parse_args(argv)
    store = Store(args.data) if args.data else Store()
    try:
        return args.run(args, store)
    except (SourceError, StoreError) as exc:
        message = exc.user_message if isinstance(exc, SourceError) else str(exc)
        print(f"FOUT: {message}\nEr is niets gewijzigd aan de opgeslagen gegevens.", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders", description="Gegevens ophalen of importeren voor Ontmoetingskaart."
    )
    parser.add_argument("--data", type=Path, help="map van de opslag (standaard kern_data/)")
    sub = parser.add_subparsers(required=True, metavar="opdracht")

    show = sub.add_parser("list", help="opgeslagen regio's tonen")
    show.add_argument("--quiet", action="store_true", help="alleen de regio-id's")
    show.set_defaults(run=_cmd_list)

    imp = sub.add_parser("import", help="regio bouwen uit gedownloade bestanden")
    imp.add_argument("--from", dest="folder", type=Path, required=True, help="map met bestanden")
    _region_args(imp)
    imp.set_defaults(run=_cmd_import)

    fetch = sub.add_parser("fetch", help="regio ophalen bij CBS, RIVM, PDOK en OpenStreetMap")
    fetch.add_argument("--jaar", type=int, default=2022, help="jaar van de gebiedsindeling")
    _region_args(fetch)
    fetch.set_defaults(run=_cmd_fetch)

    network = sub.add_parser(
        "network", help="wegennetten van een regio: uit een OSM-bestand of live via osmnx"
    )
    network.add_argument("--osm", type=Path, help="OSM-bestand (.osm.pbf of .osm); zonder: live")
    network.add_argument("--regio", required=True, help="id van een opgeslagen regio")
    network.add_argument("--modus", action="append", choices=TRAVEL_MODES,
                         help="vervoerswijze (standaard alle drie)")
    network.set_defaults(run=_cmd_network)

    venues = sub.add_parser(
        "venues", help="eigen lijst met ontmoetingsplekken controleren en opslaan"
    )
    venues.add_argument("--regio", required=True, help="id van een opgeslagen regio")
    what = venues.add_mutually_exclusive_group(required=True)
    what.add_argument("--bestand", type=Path, help="CSV, XLSX, GeoJSON of GeoPackage")
    what.add_argument("--geocodeer", action="store_true",
                      help="adressen die op geocodering wachten opnieuw opzoeken")
    venues.add_argument("--accepteer", action="store_true",
                        help="het verslag accepteren en de bruikbare rijen opslaan")
    venues.add_argument("--zonder-geocoderen", action="store_true",
                        help="adressen niet opzoeken bij de PDOK Locatieserver")
    venues.set_defaults(run=_cmd_venues)

    demo = sub.add_parser("demo", help="voorbeeldregio's Aa en Hunze, Baarn en Drenthe importeren")
    demo.add_argument("--from", dest="folder", type=Path, required=True, help="map met bestanden")
    demo.set_defaults(run=_cmd_demo)
    return parser


def _region_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gemeente", action="append", required=True, help="CBS-gemeentecode, bijv. GM1680"
    )
    parser.add_argument("--regio", help="id van de regio (standaard afgeleid van de naam)")
    parser.add_argument("--naam", help="naam van de regio")


def _cmd_list(args: argparse.Namespace, store: Store) -> int:
    for region in store.regions():
        if args.quiet:
            print(region)
            continue
        manifest = store.manifest(region)
        print(f"{region}: {manifest['name']} ({', '.join(manifest['gemeenten'])})")
        for layer, entry in manifest["layers"].items():
            print(f"  {layer}: {entry['rows']} rijen, {entry['fetched_at']}, {entry['attribution']}")
    return 0


def _with_progress(
    build: Callable[[Callable[[str], None]], BuildReport], *, steps: int = STEPS
) -> int:
    started = time.perf_counter()
    with tqdm(total=steps, unit="laag", leave=True) as bar:

        def progress(message: str) -> None:
            bar.set_description(message)
            bar.update(1)

        report = build(progress)
    print(report.summary())
    print(f"Klaar in {time.perf_counter() - started:.1f} s.")
    return 0 if report.ok else 1


def _cmd_import(args: argparse.Namespace, store: Store) -> int:
    return _with_progress(
        lambda progress: import_folder(
            args.folder, args.gemeente, region=args.regio, name=args.naam, store=store,
            progress=progress,
        )
    )


def _cmd_fetch(args: argparse.Namespace, store: Store) -> int:
    return _with_progress(
        lambda progress: fetch_live(
            args.gemeente, year=args.jaar, region=args.regio, name=args.naam, store=store,
            progress=progress,
        )
    )


def _cmd_network(args: argparse.Namespace, store: Store) -> int:
    modes = args.modus or TRAVEL_MODES
    if args.osm is None:
        return _with_progress(
            lambda progress: fetch_network_live(
                args.regio, modes=modes, store=store, progress=progress
            ),
            steps=len(modes),
        )
    return _with_progress(
        lambda progress: import_network(
            args.osm, args.regio, modes=modes, store=store, progress=progress
        ),
        steps=len(modes),
    )


def _cmd_venues(args: argparse.Namespace, store: Store) -> int:
    store.manifest(args.regio)
    if args.geocodeer:
        report = retry_geocoding(store, args.regio, accept=args.accepteer)
        _print_report(report)
        print(summarise(report))
        print("Opgeslagen." if args.accepteer and len(report) else
              "Er is niets opgeslagen; voeg --accepteer toe om de gevonden plekken op te slaan.")
        return 0 if report["status"].isin([GEACCEPTEERD, GECORRIGEERD]).all() else 1
    parsed = read_venue_file(args.bestand, gemeenten=region_gemeenten(store, args.regio),
                             geocode=not args.zonder_geocoderen)
    for note in parsed.notes:
        print(f"• {note}")
    _print_report(parsed.report)
    print(summarise(parsed.report))
    if store.has_layer(args.regio, "venues") and len(parsed.venues):
        _, pairs = merge_venues(store.read_layer(args.regio, "venues"), parsed.venues)
        if len(pairs):
            print(f"{len(pairs)} plek(ken) vallen samen met bestaande ontmoetingsplekken:")
        for pair in pairs.itertuples(index=False):
            print(f"  {pair.naam_eigen} = {pair.naam_basis} ({pair.bron_basis}, "
                  f"{pair.afstand_m:.0f} m)")
    usable = len(parsed.venues)
    if not args.accepteer:
        print(f"Er is niets opgeslagen. Voeg --accepteer toe om de {usable} bruikbare rij(en) "
              "op te slaan.")
    elif not usable:
        print("Geen bruikbare rijen; er is niets opgeslagen.")
        return 1
    else:
        store_venue_list(store, args.regio, parsed.venues)
        waiting = int(parsed.venues.geometry.isna().sum())
        print(f"Opgeslagen: {usable} plek(ken) in laag {OWN_LAYER} van regio {args.regio} "
              f"({waiting} wachten op geocodering).")
    return 0 if parsed.report["status"].isin([GEACCEPTEERD, GECORRIGEERD]).all() else 1


def _print_report(report: pd.DataFrame) -> None:
    for row in report.itertuples(index=False):
        print(f"  rij {row.rij:>6}  {row.status:<21} {row.naam}: {row.toelichting}")


def _cmd_demo(args: argparse.Namespace, store: Store) -> int:
    status = 0
    for region, (name, codes) in DEMO_REGIONS.items():
        status = max(
            status,
            _with_progress(
                lambda progress, r=region, n=name, c=codes: import_folder(
                    args.folder, c, region=r, name=n, store=store, progress=progress
                )
            ),
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
