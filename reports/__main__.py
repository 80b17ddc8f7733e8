r"""Command line: ``python -m reports {factsheet,kernen,gemeenten}``.

Examples
--------
python -m reports factsheet --gemeente GM1680 --uit factsheets
python -m reports factsheet --gebied GM1680 --kern Gasteren --uit factsheets
python -m reports factsheet --gemeente GM1680 --gemeente GM1681 --uit out \
    --modus lopen --drempel 1000 --jaar 2020 --leeftijd 65+
python -m reports kernen --gebied "Aa en Hunze" --modus fiets --uit kernen.xlsx
python -m reports kernen --gebied "provincie Drenthe" --grens 1000 --uit drenthe.csv
python -m reports gemeenten --gebied NL --uit gemeenten.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.indicators import available_years
from loaders import clock
from loaders.build import check_gemeenten
from loaders.errors import SourceError
from loaders.roads import MODE_WORDS, travel_mode
from loaders.schema import AGE_GROUPS, LONELINESS_INDICATORS
from loaders.store import NATIONAL, Store, StoreError
from rendering import images
from reports import tables
from reports.factsheets import load_factsheet_data, write_factsheets, write_kern_factsheets
from views.export import excel_csv, xlsx_bytes
from views.factsheet import FactsheetChoice
from views.kernen import with_sources
from views.kernen_export import kernen_file
from views.messages import error_message
from views.status import layers_table
from views.text import format_moment

INDICATOR_WORDS = {column.removesuffix("_pct"): column for column in LONELINESS_INDICATORS}
"""``--indicator`` values: ``eenzaam``, ``ernstig_eenzaam``, … (``_pct`` may be added)."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 some gemeenten failed, 2 error)."""
    args = _parser().parse_args(argv)
    store = Store(args.data) if args.data else Store()
    run: Callable[[argparse.Namespace, Store], int] = args.run
    try:
        return run(args, store)
    except (SourceError, StoreError, ValueError) as exc:
        print(f"FOUT: {error_message(exc)}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reports", description="Factsheets en andere rapporten van Ontmoetingskaart."
    )
    parser.add_argument("--data", type=Path, help="map van de opslag (standaard kern_data/ of "
                                                  "$ONTMOETINGSKAART_DATA)")
    sub = parser.add_subparsers(required=True, metavar="opdracht")
    sheet = sub.add_parser("factsheet", help="een PDF-factsheet per gemeente maken")
    where = sheet.add_mutually_exclusive_group(required=True)
    where.add_argument("--gemeente", action="append",
                       help="gemeentecode, bijv. GM1680 (mag vaker)")
    where.add_argument("--gebied", help="gemeente (code of naam) of ‘provincie NAAM’: een "
                                        "factsheet per gemeente")
    sheet.add_argument("--kern", action="append", default=[],
                       help="een factsheet van deze kern (naam of kern-id, mag vaker), bijv. "
                            "Gasteren")
    sheet.add_argument("--uit", type=Path, required=True, help="map voor de PDF-bestanden")
    sheet.add_argument("--modus", type=_mode, default="bike",
                       help="lopen, fiets of auto (standaard fiets)")
    sheet.add_argument("--drempel", type=_positive, default=2000.0,
                       help="afstandsgrens in meters (standaard 2000)")
    sheet.add_argument("--jaar", type=int, help="jaar van de eenzaamheidscijfers (standaard het "
                                                "nieuwste)")
    sheet.add_argument("--leeftijd", choices=list(AGE_GROUPS.values()), default="18+",
                       help="leeftijdsgroep (standaard 18+)")
    sheet.add_argument("--indicator", choices=list(LONELINESS_INDICATORS), default="eenzaam_pct",
                       help="eenzaamheidsindicator (standaard eenzaam_pct)")
    sheet.set_defaults(run=_cmd_factsheet)

    kernen = sub.add_parser("kernen", help="de tabel van de pagina Kernen (CSV of XLSX)")
    _table_args(kernen)
    kernen.set_defaults(run=_cmd_kernen)
    gemeenten = sub.add_parser("gemeenten", help="de tabel van de pagina Gemeenten vergelijken")
    _table_args(gemeenten)
    gemeenten.set_defaults(run=_cmd_gemeenten)
    return parser


def _table_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gebied", required=True,
                        help="gemeentecode of -naam, ‘provincie NAAM’ of NL")
    parser.add_argument("--modus", type=_mode, default="bike",
                        help="lopen, fiets of auto (standaard fiets)")
    parser.add_argument("--jaar", type=int, help="jaar van de eenzaamheidscijfers (standaard het "
                                                 "nieuwste)")
    parser.add_argument("--leeftijd", choices=list(AGE_GROUPS.values()), default="18+",
                        help="leeftijdsgroep (standaard 18+)")
    parser.add_argument("--indicator", type=_indicator, default="eenzaam_pct",
                        help="eenzaam, ernstig_eenzaam, emotioneel_eenzaam of sociaal_eenzaam")
    parser.add_argument("--grens", type=_positive, default=2000.0,
                        help="afstandsgrens in meters (standaard 2000)")
    parser.add_argument("--uit", type=Path, required=True, help="bestand: .csv of .xlsx")


def _mode(text: str) -> str:
    try:
        return travel_mode(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _indicator(text: str) -> str:
    column = INDICATOR_WORDS.get(text.strip().lower().removesuffix("_pct"))
    if column is None:
        raise argparse.ArgumentTypeError(
            f"onbekende indicator {text!r}; kies uit {', '.join(INDICATOR_WORDS)}."
        )
    return column


def _output(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in {"csv", "xlsx"}:
        raise ValueError(f"{path.name}: kies een bestand dat eindigt op .csv of .xlsx.")
    return suffix


def _cmd_kernen(args: argparse.Namespace, store: Store) -> int:
    kind = _output(args.uit)
    gebied = tables.area(store, args.gebied)
    jaar = _year(store, args.jaar, args.leeftijd)
    chosen = tables.kernen_selection(store, gebied, mode=args.modus, jaar=jaar,
                                     leeftijd=args.leeftijd, indicator=args.indicator)
    data = kernen_file(
        kind, chosen.table, manifest=chosen.manifest, indicator=args.indicator, jaar=jaar,
        leeftijd=args.leeftijd, mode_label=MODE_WORDS[args.modus], threshold_m=args.grens,
        estimate=chosen.estimate, exported_at=format_moment(clock.now()),
    )
    args.uit.write_bytes(data)
    print(f"✓ {len(chosen.table)} kernen van {gebied.in_sentence} in {args.uit}")
    return 0


def _cmd_gemeenten(args: argparse.Namespace, store: Store) -> int:
    kind = _output(args.uit)
    gebied = tables.area(store, args.gebied)
    jaar = _year(store, args.jaar, args.leeftijd)
    table = tables.gemeenten_table(store, gebied, mode=args.modus, threshold_m=args.grens,
                                   jaar=jaar, leeftijd=args.leeftijd, indicator=args.indicator)
    manifest = store.manifest(NATIONAL)
    data = (excel_csv(with_sources(table, manifest)) if kind == "csv"
            else xlsx_bytes({"Gemeenten": table, "Bron": layers_table(manifest)}))
    args.uit.write_bytes(data)
    print(f"✓ {len(table)} gemeenten van {gebied.in_sentence} in {args.uit}")
    return 0


def _cmd_factsheet(args: argparse.Namespace, store: Store) -> int:
    codes = (check_gemeenten(args.gemeente) if args.gemeente
             else list(tables.area(store, args.gebied).codes))
    mode = args.modus
    if images.find_browser() is None:
        print(f"Let op: {images.NO_BROWSER_MESSAGE} {images.NO_BROWSER_HINT} "
              "De factsheets komen er zonder kaart en grafiek.", file=sys.stderr)
    jaar = _year(store, args.jaar, args.leeftijd)
    data = load_factsheet_data(store, NATIONAL, mode=mode, jaar=jaar, leeftijd=args.leeftijd,
                               indicator=args.indicator)
    choice = FactsheetChoice(
        gemeentecode=codes[0], mode=mode, drempel_m=args.drempel, jaar=jaar,
        leeftijd=args.leeftijd, indicator=args.indicator, datum=clock.today(),
    )
    run = (write_kern_factsheets(data, args.kern, codes, args.uit, choice) if args.kern
           else write_factsheets(data, codes, args.uit, choice))
    for code, path in run.written.items():
        print(f"✓ {code}: {path}")
    for code, reason in run.failed.items():
        print(f"✗ {code}: {reason}", file=sys.stderr)
    if not run.written:
        return 2
    return 1 if run.failed else 0


def _year(store: Store, jaar: int | None, leeftijd: str) -> int | None:
    """The chosen survey year, checked against the stored figures; the newest when not given."""
    if not store.has_layer(NATIONAL, "eenzaamheid"):
        return None
    eenzaamheid = store.read_layer(NATIONAL, "eenzaamheid")
    years = available_years(eenzaamheid[eenzaamheid["leeftijd"] == leeftijd])
    if jaar is None:
        return years[0] if years else None
    if jaar not in years:
        known = ", ".join(map(str, years)) or "geen"
        raise ValueError(f"geen eenzaamheidscijfers voor {jaar} ({leeftijd}); opgeslagen: {known}.")
    return jaar


def _positive(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is geen getal") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("de afstandsgrens moet groter dan 0 zijn")
    return value


if __name__ == "__main__":
    sys.exit(main())
