"""Page 'Eigen lijst': upload a list of meeting places, check it row by row, then store it.

Nothing is written to the store until the user clicks 'Lijst opslaan'. Names and texts from a
file are shown as plain text only: in tables (``st.dataframe``, ``st.data_editor``), with
``st.text``, or Markdown-escaped inside a message.
"""

from __future__ import annotations

import streamlit as st

from loaders.venue_columns import FIELD_NAMES, FIELDS
from loaders.venue_duplicates import ANY_NAME_M, SAME_NAME_M
from loaders.venues import (
    AFGEWEZEN,
    DUBBEL,
    GEACCEPTEERD,
    GECORRIGEERD,
    STATUSES,
    WACHT,
    ParsedVenues,
    summarise,
)
from pipeline.reach import VENUE_LAYERS
from ui import venue_upload as vu
from ui.frame import page_context
from ui.layers import load_layer
from ui.sidebar import PageContext
from views import eigen_lijst as el
from views.text import format_metres, plain_markdown

STATUS_HELP = {
    GEACCEPTEERD: "Rijen die zonder aanpassing bruikbaar zijn.",
    GECORRIGEERD: "Rijen die bruikbaar zijn na een aanpassing, bijvoorbeeld verwisselde "
                  "coördinaten; de toelichting zegt wat er is veranderd.",
    WACHT: "Rijen met alleen een adres dat nog niet kon worden opgezocht. Ze worden bewaard en "
           "later opnieuw opgezocht.",
    AFGEWEZEN: "Rijen die niet worden opgeslagen; de toelichting zegt waarom.",
    DUBBEL: "Plekken die al in een andere opgeslagen lijst staan of die met de hand zijn "
            f"toegevoegd (zelfde naam binnen {format_metres(SAME_NAME_M)}, of een plek binnen "
            f"{format_metres(ANY_NAME_M)}). Ze worden "
            "niet nog eens opgeslagen; de toelichting zegt waar ze al staan.",
}
ALERTS = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
INTRO = (
    "OpenStreetMap en de stembureaulijsten missen soms een dorpshuis, buurthuis of "
    "sportkantine. Heeft je vereniging of gemeente een eigen lijst, voeg die dan hier toe. "
    "Je ziet eerst per rij wat er met de gegevens gebeurt; pas als je op **Lijst opslaan** "
    "klikt, wordt de lijst bewaard. Daarna rekenen de kaart, de kernen en het scenario met de "
    "plekken uit je lijst."
)
FILES_TEXT = (
    "Bestanden: **CSV** (met komma's of puntkomma's; UTF-8 of Windows-1252), **Excel** "
    "(XLSX, eerste werkblad), **GeoJSON** en **GeoPackage**. De eerste rij bevat de "
    "kolomnamen, in het Nederlands of het Engels; hoofdletters en accenten maken niet uit.\n\n"
    "Coördinaten mogen in **RD** (EPSG:28992, meters) of in **WGS84** (graden) staan; dat wordt "
    "aan de getallen herkend, net als verwisselde kolommen. Decimale komma's mogen "
    "(52,987 of 239658,99), net als graden met een gradenteken of windrichting (52,9°N, "
    "6.647°E) en graden, minuten en seconden (6°38'50\"O). Een rij zonder coördinaten maar met "
    "een adres wordt opgezocht bij de PDOK Locatieserver. Plekken buiten Nederland of ver "
    "buiten de regio worden afgewezen.\n\n"
    "Langere kolomnamen worden herkend aan hun woorden (*Naam accommodatie*, *Straat + "
    "huisnummer*, *X-coördinaat (RD)*). Na het kiezen van een bestand zie je welke kolom waarvoor "
    "is gebruikt, en kun je dat veranderen."
)
COLUMNS_TEXT = (
    "Klopt een koppeling niet, kies dan hieronder per gegeven de juiste kolom, of *(geen)* als "
    "het bestand dat gegeven niet heeft, en controleer het bestand opnieuw."
)
MERGES_TEXT = (
    "Staat een plek uit je eigen lijst vlak bij een plek uit OpenStreetMap of de "
    "stembureaulijst, met (bijna) dezelfde naam, dan is het één plek: de gegevens uit je eigen "
    "lijst gelden en beide bronnen worden genoemd. Klopt een samenvoeging niet, zet dan het "
    "vinkje bij **Samengevoegd** uit: dan tellen het twee aparte plekken. Zet het weer aan om "
    "de samenvoeging te herstellen."
)


def show_notice() -> None:
    """The message of the last store action (and its report, if any)."""
    notice = vu.take_notice()
    if notice is None:
        return
    ALERTS[notice.kind](plain_markdown(notice.text))
    if notice.table is not None and not notice.table.empty:
        st.dataframe(el.report_table(notice.table), hide_index=True, width="stretch")


def explain_files() -> None:
    """Which files and columns are recognised, and the limits."""
    with st.expander("Welke bestanden en kolommen worden herkend?", icon=":material/help:"):
        st.markdown(FILES_TEXT)
        st.table(el.columns_table(), hide_index=True, border="horizontal")
        st.markdown(el.limits_text())


def show_columns(check: vu.Check) -> None:
    """Which column is used for which field, with a form to choose other columns."""
    st.subheader("Kolommen")
    lines = el.columns_text(check.columns, check.headers)
    if lines:
        st.markdown("\n".join(f"- {plain_markdown(line)}" for line in lines))
    with st.expander("Kolommen anders koppelen", icon=":material/table_edit:",
                     expanded=check.parsed is None):
        st.markdown(COLUMNS_TEXT)
        options = [vu.NO_COLUMN, *check.headers]
        with st.form(key=check.column_key("formulier"), border=False):
            boxes = st.columns(3)
            for number, name in enumerate(FIELDS):
                current = check.columns.get(name, vu.NO_COLUMN)
                boxes[number % 3].selectbox(
                    FIELD_NAMES[name].capitalize(), options, index=options.index(current),
                    key=check.column_key(name), help=el.FIELD_LABELS[name])
            st.form_submit_button("Opnieuw controleren met deze kolommen",
                                  icon=":material/refresh:", on_click=vu.choose_columns,
                                  args=(check,))


def choose_list(context: PageContext, check: vu.Check) -> str | None:
    """Replace the stored list of this file name, or keep the file as a list of its own.

    Returns :data:`ui.venue_upload.REPLACE`, :data:`ui.venue_upload.SEPARATE`, or ``None``
    when no list of this name is stored.
    """
    stored = vu.stored_size(context.root, context.manifest, check.filename)
    if not stored:
        return None
    region = context.manifest.region
    separate = vu.separate_name(context.root, region, check.filename)
    labels = {
        vu.REPLACE: plain_markdown(f"Vervang de opgeslagen lijst '{check.filename}' "
                                   f"({el.places(stored)}) door dit bestand"),
        vu.SEPARATE: plain_markdown(f"Voeg toe als aparte lijst '{separate}'; plekken die al "
                                    "in de opgeslagen lijst staan, worden overgeslagen"),
    }
    return st.radio(
        "Er is al een opgeslagen lijst met deze naam. Is dit een nieuwe versie?",
        [vu.REPLACE, vu.SEPARATE], format_func=labels.__getitem__,
        key=check.column_key("keuze"),
    )


def show_report(check: vu.Check, parsed: ParsedVenues) -> None:
    """Status counts, notes about the whole file and the per-row report."""
    st.subheader("Controle per rij")
    st.text(f"Bestand: {check.filename}")
    counts = el.status_counts(parsed.report)
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        column.metric(status.capitalize(), counts[status], help=STATUS_HELP[status], border=True)
    st.caption(summarise(parsed.report))
    if parsed.notes:
        st.info("\n".join(f"- {plain_markdown(note)}" for note in parsed.notes),
                icon=":material/description:")
    st.dataframe(
        el.report_table(parsed.report), hide_index=True, width="stretch",
        column_config={"Rij": st.column_config.NumberColumn(width="small"),
                       "Toelichting": st.column_config.TextColumn(width="large")},
    )
    if counts[WACHT]:
        st.warning(f"{el.waiting(counts[WACHT], 'rij', 'rijen')} op geocodering: het adres kon "
                   "nu niet worden opgezocht. Zulke rijen worden bewaard als je de lijst opslaat "
                   "en tellen mee zodra het adres gevonden is (knop *Adressen opnieuw opzoeken* "
                   "hieronder).",
                   icon=":material/schedule:")


def show_preview(context: PageContext, check: vu.Check, parsed: ParsedVenues) -> None:
    """The rows that would be stored, on a map and as a table."""
    venues = parsed.venues
    if venues.empty:
        return
    st.subheader("Wat wordt opgeslagen")
    map_tab, table_tab = st.tabs(["Kaart", "Tabel"])
    with map_tab:
        gemeenten = load_layer(context.root, context.manifest, "gemeenten")
        if gemeenten is not None:
            gemeenten = gemeenten[gemeenten["code"].isin(context.selection.gemeenten)]
        figure = el.preview_map(venues, gemeenten, filename=check.filename)
        if figure is None:
            st.info("Geen van deze plekken heeft al een ligging; ze wachten op geocodering.")
        else:
            st.plotly_chart(figure, width="stretch", key="eigen_lijst_voorbeeld")
    with table_tab:
        st.dataframe(el.venues_table(venues), hide_index=True, width="stretch")


def show_decision(
    context: PageContext, parsed: ParsedVenues, choice: str | None
) -> None:
    """'Lijst opslaan' or 'Niet opslaan'; nothing is stored before the click."""
    root, region = context.root, context.manifest.region
    venues = parsed.venues
    if venues.empty:
        repeated = el.status_counts(parsed.report)[DUBBEL]
        reason = ("Alle bruikbare plekken uit dit bestand staan al in een opgeslagen lijst"
                  if repeated else "Geen enkele rij uit dit bestand is bruikbaar")
        st.warning(f"{reason}, dus er valt niets op te slaan. De toelichting per rij zegt "
                   "waarom.", icon=":material/block:")
        st.button("Ander bestand kiezen", on_click=vu.discard_check)
        return
    verb = "wordt" if len(venues) == 1 else "worden"
    text = (f"Er is nog niets opgeslagen. Met *Lijst opslaan* {verb} "
            f"{el.list_counts(len(venues), 0)} bewaard; afgewezen en dubbele rijen niet.")
    if choice == vu.REPLACE:
        text += " De opgeslagen lijst met deze naam wordt dan in zijn geheel vervangen."
    st.info(text, icon=":material/info:")
    left, right, _ = st.columns([1, 1, 3])
    left.button("Lijst opslaan", type="primary", icon=":material/save:", width="stretch",
                on_click=vu.store_check, args=(root, region, choice))
    right.button("Niet opslaan", icon=":material/close:", width="stretch",
                 on_click=vu.discard_check)


def show_upload(context: PageContext) -> None:
    """The file uploader; a new file is checked once and its report shown."""
    st.subheader("Bestand kiezen")
    uploaded = st.file_uploader(
        "Kies een bestand met ontmoetingsplekken", type=list(el.FILE_TYPES),
        max_upload_size=vu.UPLOAD_LIMIT_MB, key=vu.uploader_key(),
        help=f"CSV, Excel, GeoJSON of GeoPackage; hoogstens {el.MAX_UPLOAD_MB} MB.",
    )
    if uploaded is None:
        return
    region = context.manifest.region
    check = vu.checked(region, uploaded.file_id)
    if check is None:
        with st.spinner("Bestand controleren…"):
            check = vu.check_file(context.root, region, uploaded.getvalue(), uploaded.name,
                                  uploaded.file_id, vu.requested_columns(uploaded.file_id))
    if check.error is not None:
        st.error(plain_markdown(check.error), icon=":material/error:")
        st.caption("Er is niets opgeslagen. Kies hieronder de juiste kolommen, of pas het "
                   "bestand aan en kies het opnieuw." if check.headers else
                   "Er is niets opgeslagen. Pas het bestand aan en kies het opnieuw.")
    if check.headers:
        show_columns(check)
    if check.parsed is None:
        return
    choice = choose_list(context, check)
    parsed = vu.final_check(context.root, region, check, choice)
    show_report(check, parsed)
    show_preview(context, check, parsed)
    show_decision(context, parsed, choice)


def show_lists(context: PageContext) -> bool:
    """The stored lists with a remove button each; True when there is at least one."""
    root, region = context.root, context.manifest.region
    st.subheader("Opgeslagen lijsten")
    lists = vu.load_own_lists(root, context.manifest)
    if lists.empty:
        st.caption("Er is nog geen eigen lijst opgeslagen.")
        return False
    rows = zip(lists["source"], lists["plekken"], lists["wachtend"], strict=True)
    for number, (source, plekken, wachtend) in enumerate(rows):
        with st.container(border=True):
            name, counts, button = st.columns([3, 2, 1], vertical_alignment="center")
            name.text(el.list_name(source))
            counts.text(el.list_counts(plekken, wachtend))
            button.button("Verwijderen", key=f"eigen_lijst_verwijder_{number}",
                          icon=":material/delete:", width="stretch", on_click=vu.remove_list,
                          args=(root, region, source))
    waiting = int(lists["wachtend"].sum())
    if waiting:
        st.warning(f"{el.waiting(waiting, 'plek', 'plekken')} op geocodering: het adres kon bij "
                   "het uploaden niet worden opgezocht bij de PDOK Locatieserver, bijvoorbeeld "
                   "omdat er geen internetverbinding was. Zulke plekken blijven bewaard, maar "
                   "tellen pas mee in de afstanden als het adres gevonden is.",
                   icon=":material/schedule:")
        st.button("Adressen opnieuw opzoeken", icon=":material/travel_explore:",
                  on_click=vu.look_up_again, args=(root, region),
                  help="Gevonden adressen worden meteen opgeslagen. Een adres dat de "
                       "Locatieserver niet kent, wordt uit de lijst gehaald (het verslag zegt "
                       "welke). Zonder verbinding verandert er niets.")
    return True


def show_merges(context: PageContext) -> None:
    """The merged pairs, each with a box to undo or redo the merge."""
    st.subheader("Samengevoegde plekken")
    st.markdown(MERGES_TEXT)
    merges = vu.load_merges(context.root, context.manifest)
    if merges.empty:
        st.caption("Geen plek uit je eigen lijsten is samengevoegd met een andere plek.")
        return
    shown = el.merges_table(merges)
    version = context.manifest.data_key(VENUE_LAYERS)
    edited = st.data_editor(
        shown, key=f"eigen_lijst_samenvoegingen_{version}", hide_index=True, width="stretch",
        disabled=[column for column in shown.columns if column != el.MERGED],
        column_config={
            el.MERGED: st.column_config.CheckboxColumn(
                width=135,
                help="Uitvinken maakt de samenvoeging ongedaan: dan tellen het twee plekken."),
            "Naam in eigen lijst": st.column_config.TextColumn(width=220),
            "Naam in andere bron": st.column_config.TextColumn(width=220),
            "Andere bron": st.column_config.TextColumn(width=140),
            "Afstand (m)": st.column_config.NumberColumn(format="%.0f", width=90),
            "Gelijkenis (%)": st.column_config.NumberColumn(
                format="%.0f", width=100, help="Hoe gelijk de twee namen zijn."),
        },
    )
    changes = el.merge_changes(shown, edited)
    if changes:
        vu.apply_merge_choices(context.root, context.manifest.region, changes)
        st.rerun()


st.title("Eigen lijst met ontmoetingsplekken")
page = page_context()
show_notice()
st.markdown(INTRO)
explain_files()
show_upload(page)
if show_lists(page):
    show_merges(page)
