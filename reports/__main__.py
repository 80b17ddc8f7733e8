"""Command line: ``python -m reports factsheet``.

Examples
--------
python -m reports factsheet --regio aa-en-hunze --gemeente GM1680 --uit factsheets
python -m reports factsheet --regio drenthe --gemeente GM1680 --gemeente GM1681 --uit out \\
    --modus lopen --drempel 1000 --jaar 2020 --leeftijd 65+
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from analysis.indicators import available_years
from loaders.build import check_gemeenten
from loaders.errors import SourceError
from loaders.schema import AGE_GROUPS, LONELINESS_INDICATORS
from loaders.store import Store, StoreError
from reports.factsheets import load_factsheet_data, write_factsheets
from loaders.roads import MODE_WORDS
from views import static
from views.factsheet import FactsheetChoice


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 some gemeenten failed, 2 error)."""
    args = _parser().parse_args(argv)
    store = Store(args.data) if args.data else Store()
    try:
        return args.run(args, store)
    except (SourceError, StoreError, ValueError) as exc:
        message = exc.user_message if isinstance(exc, SourceError) else str(exc)
        print(f"FOUT: {message}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reports", description="Factsheets en andere rapporten van Ontmoetingskaart."
    )
    parser.add_argument("--data", type=Path, help="map van de opslag (standaard kern_data/ of "
                                                  "$ONTMOETINGSKAART_DATA)")
    sub = parser.add_subparsers(required=True, metavar="opdracht")
    sheet = sub.add_parser("factsheet", help="een PDF-factsheet per gemeente maken")
    sheet.add_argument("--regio", required=True, help="id van de opgeslagen regio")
    sheet.add_argument("--gemeente", action="append", required=True,
                       help="gemeentecode, bijv. GM1680 (mag vaker)")
    sheet.add_argument("--kern", action="append", default=[],
                       help="alleen deze kern-id (mag vaker), bijv. cbs2021:annen")
    sheet.add_argument("--uit", type=Path, required=True, help="map voor de PDF-bestanden")
    sheet.add_argument("--modus", choices=list(MODE_WORDS.values()), default="fietsen",
                       help="vervoerswijze (standaard fietsen)")
    sheet.add_argument("--drempel", type=_positive, default=2000.0,
                       help="afstandsgrens in meters (standaard 2000)")
    sheet.add_argument("--jaar", type=int, help="jaar van de eenzaamheidscijfers (standaard het "
                                                "nieuwste)")
    sheet.add_argument("--leeftijd", choices=list(AGE_GROUPS.values()), default="18+",
                       help="leeftijdsgroep (standaard 18+)")
    sheet.add_argument("--indicator", choices=list(LONELINESS_INDICATORS), default="eenzaam_pct",
                       help="eenzaamheidsindicator (standaard eenzaam_pct)")
    sheet.set_defaults(run=_cmd_factsheet)
    return parser


def _cmd_factsheet(args: argparse.Namespace, store: Store) -> int:
    codes = check_gemeenten(args.gemeente)
    mode = next(mode for mode, word in MODE_WORDS.items() if word == args.modus)
    if static.find_browser() is None:
        print(f"Let op: {static.NO_BROWSER_MESSAGE} "
              "De factsheets komen er zonder kaart en grafiek.", file=sys.stderr)
    jaar = _year(store, args.regio, args.jaar, args.leeftijd)
    data = load_factsheet_data(store, args.regio, mode=mode, jaar=jaar, leeftijd=args.leeftijd,
                               indicator=args.indicator)
    choice = FactsheetChoice(
        gemeentecode=codes[0], kern_ids=tuple(args.kern), mode=mode, drempel_m=args.drempel,
        jaar=jaar, leeftijd=args.leeftijd, indicator=args.indicator, datum=date.today(),
    )
    run = write_factsheets(data, codes, args.uit, choice)
    for code, path in run.written.items():
        print(f"✓ {code}: {path}")
    for code, reason in run.failed.items():
        print(f"✗ {code}: {reason}", file=sys.stderr)
    if not run.written:
        return 2
    return 1 if run.failed else 0


def _year(store: Store, region: str, jaar: int | None, leeftijd: str) -> int | None:
    """The chosen survey year, checked against the stored figures; the newest when not given."""
    if not store.has_layer(region, "eenzaamheid"):
        return None
    eenzaamheid = store.read_layer(region, "eenzaamheid")
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
