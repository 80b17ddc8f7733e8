"""Page 'Eenzaamheid': RIVM loneliness estimates per buurt, filtered, charted and downloadable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.schema import LONELINESS_INDICATORS
from ui.downloads import chart_downloads
from ui.filters import range_filters
from ui.frame import is_phone, page_context
from ui.layers import load_layer
from views import charts
from views import eenzaamheid as ez
from views.export import excel_csv
from views.sources import layer_sources
from views.text import SUPPRESSED, format_count, format_delta, format_pct, plain_markdown

st.title("Eenzaamheid per buurt")
context = page_context()
choice = context.selection
table = load_layer(context.root, context.manifest, "eenzaamheid")
if table is None or choice.jaar is None:
    st.info(
        "Deze regio heeft nog geen eenzaamheidscijfers. De beheerder kan het RIVM-bestand "
        "‘Gezondheid per wijk en buurt’ toevoegen (pagina Gegevens).",
        icon=":material/info:",
    )
    st.stop()

label = LONELINESS_INDICATORS[choice.indicator]
st.info(
    "**Modelschattingen, geen tellingen.** RIVM, GGD'en en CBS schatten deze percentages per "
    "buurt met een statistisch model uit de Gezondheidsmonitor en "
    "kenmerken van buurt en inwoners. Ze geven een beeld, geen meting; kleine verschillen "
    "tussen buurten zeggen weinig. Een buurt zonder cijfer is **onderdrukt** (meestal te weinig "
    "inwoners) en telt nergens als 0 mee.",
    icon=":material/science:",
)

buurten = load_layer(context.root, context.manifest, "buurten")
region_values = ez.buurt_values(table, buurten, jaar=choice.jaar, leeftijd=choice.leeftijd)
values = region_values[region_values["gemeentecode"].isin(choice.gemeenten)]
indeling = str(table["indeling"].iloc[0]) if len(table) else ""
reference_codes = ez.reference_codes(table, choice.gemeenten)
references = ez.label_old_gemeenten(
    ez.reference_values(table, codes=reference_codes, jaar=choice.jaar,
                        leeftijd=choice.leeftijd, indicator=choice.indicator),
    choice.gemeenten, indeling,
)
if not ez.has_figures(values, references, choice.indicator):
    st.warning(
        f"Voor {choice.jaar} ({choice.leeftijd}) zijn er geen cijfers voor ‘{label.lower()}’. "
        "Kies in de zijbalk een ander jaar of een andere indicator.",
        icon=":material/block:",
    )
    st.stop()

st.subheader(f"{label}: {choice.jaar}, {ez.AGE_LABELS.get(choice.leeftijd, choice.leeftijd)}")
columns = st.columns(len(references) + 1)
for column, reference in zip(columns, references, strict=False):
    column.metric(
        f"{plain_markdown(reference.naam)} ({reference.jaar}, {reference.leeftijd})",
        format_pct(reference.value),
        delta=format_delta(reference.value, reference.previous_value),
        delta_color="inverse",
        delta_description=f"t.o.v. {reference.previous_jaar}" if reference.previous_jaar else None,
        help=f"{label}, {plain_markdown(reference.naam)}, {reference.jaar}, {reference.leeftijd}: "
        "modelschatting.",
        border=True,
    )
if len(choice.gemeenten) > ez.MAX_REFERENCE_GEMEENTEN:
    st.caption(
        f"{len(choice.gemeenten)} gemeenten in beeld. Zet de gemeenten naast elkaar op de pagina "
        "‘Gemeenten vergelijken’."
    )
    st.page_link("pages/vergelijken.py", label="Gemeenten vergelijken",
                 icon=":material/compare_arrows:")

st.markdown("#### Filter de buurten")
ranges = range_filters(
    region_values, choice.indicator,
    key=f"bereik_{context.selection.file_stem}_{choice.jaar}_{choice.leeftijd}",
)
filtered = ez.filter_ranges(values, ranges)
suppressed = int(filtered[choice.indicator].isna().sum())
columns[-1].metric(
    "Buurten in beeld", f"{format_count(len(filtered))} van {format_count(len(values))}",
    help=f"Waarvan {suppressed} zonder cijfer voor ‘{label.lower()}’ (onderdrukt).",
    border=True,
)

slug = f"{choice.indicator.removesuffix('_pct')}_{choice.leeftijd.replace('+', 'plus')}"
stem = f"{context.selection.file_stem}_{slug}_{choice.jaar}"
rivm = layer_sources(context.manifest, ["eenzaamheid"], rivm_years=[choice.jaar])
named = layer_sources(context.manifest, ["eenzaamheid", "buurten"], rivm_years=[choice.jaar])
shown = ez.export_table(filtered, choice.indicator)
phone = is_phone()
left, right = st.columns(2)
with left:
    histogram = charts.histogram(
        filtered[choice.indicator], indicator=choice.indicator, jaar=choice.jaar,
        leeftijd=choice.leeftijd, references={r.naam: r.value for r in references},
    )
    st.plotly_chart(charts.for_phone(histogram) if phone else histogram, width="stretch")
    chart_downloads(histogram, f"verdeling_{stem}", sources=rivm, table=shown)
with right:
    ranking = charts.ranking(
        filtered, indicator=choice.indicator, jaar=choice.jaar, leeftijd=choice.leeftijd
    )
    st.plotly_chart(charts.for_phone(ranking) if phone else ranking, width="stretch")
    chart_downloads(ranking, f"rangorde_{stem}", sources=named, table=shown)

st.markdown("#### Door de jaren heen")
drawn = ez.trend_buurten(filtered, choice.indicator)
if len(drawn) < len(filtered):
    st.caption(f"De {len(drawn)} buurten met het hoogste cijfer in {choice.jaar}, naast de "
               "vergelijkingscijfers.")
names = dict(zip(drawn["code"], drawn["naam"], strict=True))
names |= {r.code: r.naam for r in references}
years = ez.year_table(table, codes=list(drawn["code"]), leeftijd=choice.leeftijd,
                     indicator=choice.indicator)
reference_years = ez.year_table(table, codes=reference_codes, leeftijd=choice.leeftijd,
                                indicator=choice.indicator)
comparison = charts.year_comparison(
    years, indicator=choice.indicator, leeftijd=choice.leeftijd, names=names,
    references=reference_years, indeling=indeling,
)
st.plotly_chart(charts.for_phone(comparison) if phone else comparison, width="stretch")
trend = pd.concat([reference_years, years]).rename_axis("Code").reset_index()
trend.insert(1, "Naam", trend["Code"].map(names))
chart_downloads(
    comparison, f"ontwikkeling_{context.selection.file_stem}_{slug}",
    sources=layer_sources(context.manifest, ["eenzaamheid"],
                          rivm_years=[int(y) for y in trend.columns[2:]]),
    table=trend,
)
st.caption(
    f"RIVM heeft alle jaren omgerekend naar de buurtindeling {indeling}, zodat je een buurt "
    "door de jaren kunt volgen. Buurtgrenzen veranderen in de loop van de jaren: zet deze "
    f"cijfers alleen naast cijfers van dezelfde indeling ({indeling}), en vermeld dat. "
    "Samenhang in de tijd zegt niets over oorzaken."
)

st.markdown("#### Tabel")
buurten_entry = context.manifest.layer("buurten")
names_indeling = buurten_entry.indeling if buurten_entry is not None else ""
if names_indeling and names_indeling != indeling:
    st.caption(
        f"Buurtnamen komen uit de buurtkaart met indeling {names_indeling}, de cijfers uit "
        f"indeling {indeling}; een code die in die kaart niet voorkomt, staat er zonder naam."
    )
listed = ez.display_table(filtered, choice.indicator, jaar=choice.jaar,
                          leeftijd=choice.leeftijd)
if len(listed) > ez.MAX_TABLE_ROWS:
    st.caption(f"De {format_count(ez.MAX_TABLE_ROWS)} buurten met het hoogste cijfer van "
               f"{format_count(len(listed))}; de download hieronder bevat ze allemaal.")
    listed = listed.head(ez.MAX_TABLE_ROWS)
st.dataframe(
    ez.styled_table(listed),
    hide_index=True,
    placeholder=SUPPRESSED,
    width="stretch",
)
st.download_button(
    "Download deze buurten als CSV (Excel)",
    excel_csv(shown),
    file_name=f"eenzaamheid_{context.selection.file_stem}_{choice.jaar}_"
    f"{choice.leeftijd.replace('+', 'plus')}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
st.caption(
    f"{ez.rivm_source([choice.jaar])}. Puntkomma's en decimale komma's, zodat Excel het bestand "
    "direct goed opent; onderdrukte waarden zijn lege cellen."
)
