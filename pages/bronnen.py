"""Page 'Bronnen en methode': where every layer comes from and how the figures are made."""

from __future__ import annotations

import streamlit as st

from analysis import detour_factors
from analysis.detour import FACTOR_BAND_M
from analysis.network import MODE_SPEEDS_KMH
from loaders.kernen import EXTENT_PER_ROOT_INHABITANT, MAX_EXTENT, SAME_PLACE_DISTANCE
from loaders.roads import MODE_WORDS
from loaders.venue_rules import rules_table
from ui.frame import page_context
from views.sources import detour_table, detour_words, network_words
from views.status import attributions, layers_table, rows_text
from views.text import format_decimal, format_threshold, plain_markdown

st.title("Bronnen en methode")
context = page_context()
manifest = context.manifest

st.header("Bronnen van de opgeslagen gegevens")
st.markdown(
    f"Per laag van **{manifest.name}**: het bestand of de dienst "
    "waar hij vandaan komt, de tabel, het jaar en de gebiedsindeling, wanneer hij is opgehaald "
    "en onder welke licentie."
)
st.table(rows_text(layers_table(manifest)).drop(columns="Naamsvermelding"), hide_index=True)
st.markdown("**Naamsvermelding** (neem deze over bij elk gebruik, in rapporten en brieven):")
st.markdown("\n".join(f"- {plain_markdown(line)}" for line in attributions(manifest)))

st.header("Eenzaamheidscijfers: wat ze wel en niet zijn")
disc_factor = format_decimal(EXTENT_PER_ROOT_INHABITANT, ".0f")
disc_min, disc_max = format_threshold(SAME_PLACE_DISTANCE), format_threshold(MAX_EXTENT)
st.markdown(
    f"""
De cijfers komen uit **Gezondheid per wijk en buurt** van RIVM, GGD'en en CBS, gebaseerd op de
Gezondheidsmonitor Volwassenen en Ouderen.

**De schaal.** Eenzaamheid is gemeten met de eenzaamheidsschaal van **De Jong-Gierveld**:
11 uitspraken, samen een score van 0 tot 11.

- **Eenzaam**: score 3 of hoger.
- **(Zeer) ernstig eenzaam**: score 9 of hoger.
- **Emotioneel eenzaam** en **sociaal eenzaam** zijn de twee deelschalen: het gemis van een
  hechte, intieme band (emotioneel) en het gemis van een bredere kring van mensen (sociaal).

**Modelschattingen, geen tellingen.** Per buurt hebben te weinig mensen de vragenlijst ingevuld
om een percentage te meten. RIVM schat het daarom met een statistisch model (*small-area
estimation*) dat de antwoorden koppelt aan kenmerken van de buurt en haar inwoners, zoals
leeftijd, huishoudens en inkomen. Zo'n schatting heeft een onzekerheidsmarge; kleine verschillen
tussen buurten of jaren zeggen daarom weinig. Het is geen telling van eenzame mensen en geen
oordeel over een buurt.

**Onderdrukt.** Voor sommige buurten publiceert RIVM geen cijfer, meestal omdat er te weinig
mensen wonen. Die buurten heten in dit dashboard *onderdrukt*: ze tellen nergens als 0 mee en
staan in downloads als lege cel.

**Indeling.** RIVM heeft alle jaren omgerekend naar één buurtindeling (die staat in de tabel
hierboven). Codes van een andere indeling koppelen we alleen als we dat erbij zeggen.

**Het cijfer van een kern.** RIVM geeft cijfers per buurt, niet per kern. Een kern krijgt het
gewogen gemiddelde van de buurten onder zijn bebouwde kom: een cirkel met een straal van
{disc_factor} m × de wortel van het aantal inwoners, tussen {disc_min} en {disc_max}. Een buurt
weegt mee naar haar inwoners onder die cirkel; waar het aantal inwoners onbekend is naar het
geschatte aantal adressen (CBS-omgevingsadressendichtheid × oppervlak onder de cirkel), en
anders naar het oppervlak. Is de grens van de buurt veranderd sinds de indeling van de cijfers,
dan neemt de kern het cijfer van zijn wijk of gemeente; de kaart en de kerntabel zeggen welk.

**Geen CBS-reeks 15+ ernaast.** CBS publiceert ook eigen eenzaamheidscijfers voor mensen van
15 jaar en ouder. Die reeks gebruikt een andere opzet en schaal en is niet vergelijkbaar met de
RIVM-cijfers; dit dashboard zet ze nooit in dezelfde grafiek of tabel.
"""
)

st.header("Ontmoetingsplekken: hoe we ze indelen")
st.markdown(
    """
Een plek telt als **ontmoetingsplek** als mensen uit het dorp er kunnen samenkomen zonder iets te
kopen en zonder leerling, patiënt of cliënt te zijn: een dorpshuis, een MFA, een buurthuis of
wijkcentrum, of de kantine van een sportvereniging. Sporthallen, kerken, cafés en zalen tellen
alleen als het gebouw in de BAG de gebruiksfunctie *bijeenkomstfunctie* heeft. Scholen,
zorginstellingen, gemeentehuizen en mobiele stembureaus tellen nooit.

De regels worden op volgorde op de naam toegepast (kleine letters, zonder accenten, zodat ook het
Friese *doarpshûs* meetelt); de eerste regel die past bepaalt de soort. Bij elke plek bewaren we
waarom hij wel of niet telt.
"""
)
rules = rules_table()
st.table(rules.drop(columns="Naampatroon"), hide_index=True)
with st.expander("Naampatronen van de regels, voor wie ze precies wil nalezen"):
    st.dataframe(rules[["Volgorde", "Soort", "Naampatroon"]], hide_index=True, width="stretch")

st.header("Afstanden")
speeds = ", ".join(
    f"{MODE_WORDS.get(mode, mode)} {format_decimal(speed)} km/u"
    for mode, speed in MODE_SPEEDS_KMH.items()
)
st.info(network_words(manifest), icon=":material/route:")
st.markdown(
    f"""
**Over de weg.** De afstand van een kern tot de dichtstbijzijnde ontmoetingsplek is de afstand
over het wegennet (OpenStreetMap of een lijnenbestand zoals het NWB) voor de gekozen manier van
reizen. We zoeken vanaf alle plekken tegelijk over het wegennet, in omgekeerde richting (een
zogeheten *multi-source Dijkstra*): zo krijgt elk kruispunt in één keer de kortste weg naar de
dichtstbijzijnde plek, en tellen eenrichtingsstraten in de richting van kern naar plek.
Kernen en plekken worden aan het dichtstbijzijnde punt van het netwerk gekoppeld; dat laatste
stukje telt hemelsbreed mee. Een punt ver van elke weg wordt niet gekoppeld, zodat een eiland
nooit aan het vasteland hangt.

**Reistijd** volgt uit de afstand en een vaste snelheid ({speeds}). Dat zijn aannames, geen
metingen.

**Zonder wegennet** gebruiken we de hemelsbrede afstand maal een omrijfactor van
{detour_words()}. Zo'n afstand is altijd gemarkeerd als **schatting**.
Ook dan gaat een afstand nooit over zee: een kern op een eiland telt alleen plekken op hetzelfde
eiland (eilanden en vasteland volgen uit de gemeentegrenzen). Dekt een opgeslagen wegennet maar
een deel van het land, dan krijgen kernen daarbuiten de gemarkeerde schatting, en telt een
ontmoetingsplek ver van het wegennet mee met haar hemelsbrede schatting. De methode per kern
(kaart, tabellen, downloads) zegt steeds welke afstand een schatting is.

**Over de grens.** Alle kernen worden met alle plekken van Nederland vergeleken, ook als je één
gemeente of provincie kiest: een dorpshuis net over de gemeentegrens telt mee.
"""
)
st.markdown(
    f"""
**De omrijfactor is gemeten**, niet aangenomen: op echte wegennetten hebben we voor willekeurige
paren knooppunten de afstand over de weg gedeeld door de hemelsbrede afstand
({detour_factors.MEASURED_ON}). De factor per vervoerswijze is de mediaan over paren tot
{format_threshold(FACTOR_BAND_M[1])}.
Voor fietsen is dat het fietsnetwerk van Wageningen; voor lopen en auto hadden we alleen het
wegennet van **Liechtenstein**, geen Nederlands netwerk: een bergland met dalen en een rivier,
waar omwegen groter zijn dan in het vlakke Nederland. De tabel laat per afstand de mediaan zien en
de middelste 80 % van de paren (P10–P90): de omweg van één kern kan veel groter of kleiner zijn.
"""
)
st.table(detour_table(), hide_index=True)

st.header("Samenhang is geen oorzaak")
st.markdown(
    """
Dit dashboard zet afstand tot een ontmoetingsplek naast eenzaamheidscijfers. Als buurten verder
van een dorpshuis meer eenzaamheid laten zien, bewijst dat niet dat het dorpshuis het verschil
maakt: leeftijd, gezondheid, inkomen en huishoudens spelen ook mee, en de cijfers zijn
schattingen. Gebruik de cijfers als aanleiding voor een gesprek, niet als bewijs.
"""
)
