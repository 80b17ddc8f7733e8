"""Page 'Kernen': every kern with its nearest meeting place; filter, sort and download."""

from __future__ import annotations

import streamlit as st

from analysis.reach import reach_summary
from loaders.clock import now
from ui.corrections import load_corrections
from ui.frame import page_context
from ui.layers import load_layer
from ui.notices import estimate_notice
from ui.reach import load_reach
from ui.selection import mode_label
from views import kernen as vk
from views.corrections import place_sources
from views.export import XLSX_MIME
from views.kernen_export import kernen_file, kernen_stem
from views.text import UNKNOWN, format_count, format_moment, format_threshold, plain_markdown

st.title("Kernen en hun dichtstbijzijnde ontmoetingsplek")
context = page_context()
view = load_reach(context)
if view is None:
    st.stop()

choice = context.selection
mode = mode_label(choice.modus)
threshold = choice.drempel_m
within = format_threshold(threshold)
if view.is_estimate:
    estimate_notice(mode)

gemeenten = load_layer(context.root, context.manifest, "gemeenten")
buurten = load_layer(context.root, context.manifest, "buurten")
names = vk.gemeente_names(gemeenten, context.options.gemeente_namen)
table = vk.kern_table(view.table, gemeente_namen=names, buurten=buurten, gemeenten=gemeenten,
                      venues=view.venues)
table = table.assign(venue_bron=place_sources(table["venue_id"], view.venues,
                                              load_corrections(context)))
summary = reach_summary(table, [threshold])
totals = vk.totals(summary, threshold)

left, middle, right = st.columns(3)
left.metric(
    f"Met ontmoetingsplek binnen {within}",
    format_count(totals["kernen_binnen"]),
    delta=f"van {format_count(totals['kernen'])} kernen", delta_color="off", delta_arrow="off",
    help=f"Afstand {mode} tot de dichtstbijzijnde plek die als ontmoetingsplek telt.",
    border=True,
)
middle.metric(
    f"Zonder ontmoetingsplek binnen {within}",
    format_count(totals["kernen"] - totals["kernen_binnen"]),
    delta=f"van {format_count(totals['kernen'])} kernen", delta_color="off", delta_arrow="off",
    border=True,
)
right.metric(
    f"Inwoners binnen {within}",
    format_count(totals["inwoners_binnen"]),
    delta=f"van {format_count(totals['inwoners'])} (waar bekend)", delta_color="off",
    delta_arrow="off",
    help="Alleen kernen waarvan het aantal inwoners bekend is tellen mee.",
    border=True,
)
if len(summary) > 1:
    st.markdown("#### Per gemeente")
    per_gemeente = vk.gemeente_summary(summary, threshold_m=threshold, gemeente_namen=names)
    st.dataframe(
        per_gemeente.style.format(precision=0, thousands=".", decimal=",", na_rep=UNKNOWN),
        hide_index=True, width="stretch", placeholder=UNKNOWN,
    )

st.markdown("#### Alle kernen")
left, right = st.columns(2)
only_without = left.toggle(f"Alleen kernen zonder ontmoetingsplek binnen {within}",
                           key="kernen_zonder")
search = right.text_input("Zoek een kern op naam", key="kernen_zoek", placeholder="bijv. Gieten")
shown = vk.filter_kernen(table, without_m=threshold if only_without else None, search=search)
st.caption(f"{len(shown)} van {len(table)} kernen. Klik op een kolomkop om te sorteren. "
           "De eenzaamheidscijfers zijn RIVM-modelschattingen: het gewogen gemiddelde van de "
           "buurten waarin de inwoners van de kern wonen, of het cijfer van de wijk of gemeente "
           "(kolom ‘cijfer van’). Klik op Kaart op een kern voor zijn buurten.")
if shown.empty:
    st.info(f"Geen kernen voor dit filter: elke kern heeft een ontmoetingsplek binnen {within}."
            if only_without and not search.strip() else "Geen kernen voor dit filter.",
            icon=":material/filter_alt_off:")
    st.stop()
st.dataframe(
    vk.styled_kernen(vk.display_table(shown, indicator=choice.indicator, mode_label=mode,
                                      jaar=choice.jaar, leeftijd=choice.leeftijd)),
    hide_index=True, width="stretch", placeholder=UNKNOWN,
    column_config={"Kern": st.column_config.TextColumn(pinned=True)},
)
if (share_note := vk.share_65plus_note(shown)) is not None:
    st.caption(plain_markdown(share_note))

options = {
    "manifest": context.manifest, "indicator": choice.indicator, "jaar": choice.jaar,
    "leeftijd": choice.leeftijd, "mode_label": mode, "threshold_m": threshold,
    "estimate": view.is_estimate, "exported_at": format_moment(now()),
}
name = kernen_stem(context.selection.file_stem, mode, threshold)
left, right = st.columns(2)
left.download_button(
    "Download deze kernen als CSV (Excel)", lambda: kernen_file("csv", shown, **options),
    file_name=f"{name}.csv", mime="text/csv", icon=":material/download:", on_click="ignore",
)
right.download_button(
    "Download deze kernen als Excel-bestand (XLSX)", lambda: kernen_file("xlsx", shown, **options),
    file_name=f"{name}.xlsx", mime=XLSX_MIME, icon=":material/download:", on_click="ignore",
)
st.caption(
    "Het CSV-bestand heeft puntkomma's en decimale komma's voor Excel; de kolommen ‘Bron’ en "
    "‘Opgehaald’ noemen op elke regel de bronnen en de datum. Het XLSX-bestand heeft de "
    "bronnen en de methode op de tabbladen ‘Bron’ en ‘Methode’. De kolom ‘Methode’ zegt per "
    "kern of de afstand over het wegennet gaat of een hemelsbrede schatting is."
)
