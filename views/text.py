"""Text for users: Dutch numbers and dates, and outside text made safe for a renderer.

One module for how the product writes a value for a Dutch reader, so a distance, a count or a
date reads the same on every page, export and factsheet:

* numbers with a decimal comma and thousands dots: :func:`format_decimal`, :func:`format_km`
  (a measured distance, one decimal), :func:`format_threshold` (a round figure such as the
  distance threshold or a scale bar), :func:`format_metres`, :func:`format_minutes`,
  :func:`format_count`, :func:`format_pct` and :func:`format_delta` (percentage points);
* dates and times: :func:`dutch_date`, :func:`format_moment`, :func:`format_timestamp`; lists:
  :func:`dutch_list`.

And for every place where text from outside the code (URL, files, OpenStreetMap, APIs) meets a
renderer:

* :func:`plain_markdown` for everything Streamlit reads as Markdown: ``st.markdown``,
  ``st.caption``, the alerts, titles and headers, widget labels and ``help=`` tooltips;
* :func:`plain_html` for HTML that a browser renders (a page or an exported file);
* :func:`plain_plotly` for plotly's text, hover text, titles and annotations, which render a
  subset of HTML (``<a href>``, ``<b>``, ``<br>``, entities) and, inside a ``hovertemplate``,
  ``%{…}`` fields;
* :func:`shorten` and :func:`echo` for a value that is repeated back to the user (a wrong value
  from a link): whitespace folded and cut to :data:`ECHO_LIMIT` characters with "…".

Missing values (None, NaN, ``pd.NA``) become the empty string in the escaping helpers and a
Dutch word (:data:`NO_DISTANCE`, :data:`UNKNOWN`, :data:`SUPPRESSED`) in the number formatters.
The module grew out of the escaping helpers rather than becoming a second module because both
answer the same question (how does this value appear on screen) and most pages need both.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from datetime import date, datetime

NO_DISTANCE = "geen afstand"
"""Shown instead of a distance or travel time when no meeting place could be reached."""
UNKNOWN = "onbekend"
"""Shown for a missing count, and in an on-screen table for any missing number
(``st.dataframe(placeholder=UNKNOWN)``: Streamlit ignores a Styler's ``na_rep`` for missing
cells and would show ``None``)."""
SUPPRESSED = "onderdrukt"
"""Shown for a missing loneliness percentage (RIVM suppresses figures of small areas)."""
MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
"""Dutch month names, January first."""
ECHO_LIMIT = 80
"""At most this many characters of an echoed outside value are shown, then "…"."""
ELLIPSIS = "…"
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:&=@%\"'^/])")
"""Every ASCII punctuation character that Markdown, GitHub-flavoured Markdown (tables,
strikethrough), Streamlit's own directives (``:red[…]``, ``:material/…:``, ``$…$``) or HTML
could give a meaning; CommonMark shows each of them literally after a backslash."""
WORD_JOINER = "\u2060"
"""An invisible character that keeps a bare URL from becoming a link (see below)."""
AUTOLINK_STARTS = re.compile(r"(?i)(https?(?=:)|www(?=\.)|@)")
"""Where GitHub-flavoured Markdown starts a link without any markup: ``http://``, ``https://``,
``www.`` and an e-mail address. Streamlit finds these in the text *after* backslash escapes are
undone, so escaping cannot stop them; a word joiner right after ``http``, ``www`` or ``@``
does, and is not seen."""


def is_missing(value: object) -> bool:
    """Whether ``value`` is None, NaN (Python or numpy) or pandas' ``NA``/``NaT``.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(0.0), is_missing(None)
    (True, False, True)
    """
    if value is None or type(value).__name__ in {"NAType", "NaTType"}:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def format_decimal(value: float, spec: str = "g") -> str:
    """``value`` formatted with ``spec`` (as in ``format``) and a decimal comma.

    Examples
    --------
    >>> format_decimal(1.35), format_decimal(1.345, ".2f")
    ('1,35', '1,34')
    """
    return format(value, spec).replace(".", ",")


def format_km(
    metres: float | None, *, sign: bool = False, missing: str = NO_DISTANCE
) -> str:
    """A measured distance in kilometres with one decimal (``1,2 km``; ``+1,2 km`` with ``sign``).

    ``missing`` (default :data:`NO_DISTANCE`) is returned for a missing distance.

    Examples
    --------
    >>> format_km(1234.0), format_km(3000.0), format_km(-4934.3, sign=True)
    ('1,2 km', '3,0 km', '-4,9 km')
    >>> format_km(None)
    'geen afstand'
    """
    if is_missing(metres):
        return missing
    assert metres is not None  # noqa: S101 - narrowed by is_missing for the type checker
    return f"{format_decimal(metres / 1000, '+.1f' if sign else '.1f')} km"


def format_km_beside(metres: float | None, threshold_m: float) -> str:
    """:func:`format_km`, but a distance beyond ``threshold_m`` never reads as the limit itself.

    Next to "binnen 2 km" a kern at 2,008 m would read "2,0 km" and seem within; it reads
    "meer dan 2,0 km". Every other distance is as :func:`format_km` gives it.

    Examples
    --------
    >>> format_km_beside(2008.3, 2000), format_km_beside(1996.0, 2000)
    ('meer dan 2,0 km', '2,0 km')
    >>> format_km_beside(2060.0, 2000), format_km_beside(None, 2000)
    ('2,1 km', 'geen afstand')
    """
    shown = format_km(metres)
    beyond = not is_missing(metres) and float(metres or 0.0) > threshold_m
    return f"meer dan {shown}" if beyond and shown == format_km(threshold_m) else shown


def format_threshold(metres: float) -> str:
    """A round distance (a threshold, a scale bar) in km without trailing zeros (``0,5 km``).

    This is how the sidebar offers the distance threshold, so every text naming it matches.

    Examples
    --------
    >>> format_threshold(500), format_threshold(1250), format_threshold(10000)
    ('0,5 km', '1,25 km', '10 km')
    """
    return f"{format_decimal(metres / 1000)} km"


def format_metres(metres: float) -> str:
    """A short distance in whole metres (``750 m``), or as :func:`format_km` from 1 km on.

    Examples
    --------
    >>> format_metres(750.0), format_metres(1500.0)
    ('750 m', '1,5 km')
    """
    if metres >= 1000:  # noqa: PLR2004 - one kilometre
        return format_km(metres)
    return f"{metres:.0f} m"


def format_minutes(minutes: float | None) -> str:
    """Whole travel minutes (``7 min``, ``< 1 min``); :data:`NO_DISTANCE` when missing.

    Examples
    --------
    >>> format_minutes(0.3), format_minutes(13.6), format_minutes(None)
    ('< 1 min', '14 min', 'geen afstand')
    """
    if minutes is None or is_missing(minutes):
        return NO_DISTANCE
    return "< 1 min" if minutes < 0.5 else f"{minutes:.0f} min"  # noqa: PLR2004 - half a minute


def format_count(value: float | None) -> str:
    """A whole number with Dutch thousands dots (``16.280``); :data:`UNKNOWN` when missing.

    Examples
    --------
    >>> format_count(362567.0), format_count(float("nan"))
    ('362.567', 'onbekend')
    """
    if value is None or is_missing(value):
        return UNKNOWN
    return f"{round(float(value)):,}".replace(",", ".")


def format_pct(value: float | None) -> str:
    """A percentage with one decimal (``47,0 %``); :data:`SUPPRESSED` when missing.

    Examples
    --------
    >>> format_pct(47.0), format_pct(None)
    ('47,0 %', 'onderdrukt')
    """
    if value is None or is_missing(value):
        return SUPPRESSED
    return f"{format_decimal(value, '.1f')} %"


def format_delta(value: float, previous: float) -> str | None:
    """The change in percentage points (``+3,6 procentpunt``); None when either is missing.

    Examples
    --------
    >>> format_delta(42.4, 39.5)
    '+2,9 procentpunt'
    """
    if is_missing(value) or is_missing(previous):
        return None
    return f"{format_decimal(value - previous, '+.1f')} procentpunt"


def dutch_list(items: Sequence[object]) -> str:
    """``a, b en c``.

    Examples
    --------
    >>> dutch_list([2012, 2016, 2020])
    '2012, 2016 en 2020'
    """
    words = [str(item) for item in items]
    if len(words) < 2:  # noqa: PLR2004 - "en" needs two items
        return "".join(words)
    return f"{', '.join(words[:-1])} en {words[-1]}"


def dutch_date(day: date) -> str:
    """A date in Dutch words (``27 november 2026``).

    Examples
    --------
    >>> dutch_date(date(2026, 11, 27))
    '27 november 2026'
    """
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_moment(moment: datetime) -> str:
    """A date and time as digits (``27-11-2026 09:14``), `` UTC`` added for a UTC time.

    Examples
    --------
    >>> format_moment(datetime(2026, 11, 27, 9, 14))
    '27-11-2026 09:14'
    """
    offset = moment.utcoffset()
    suffix = " UTC" if offset is not None and not offset else ""
    return moment.strftime("%d-%m-%Y %H:%M") + suffix


def format_timestamp(value: str) -> str:
    """An ISO timestamp as :func:`format_moment` writes it, else the raw text.

    Examples
    --------
    >>> format_timestamp("2026-11-27T09:14:00+00:00"), format_timestamp("gisteren")
    ('27-11-2026 09:14 UTC', 'gisteren')
    """
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return format_moment(moment)


def _as_text(value: object) -> str:
    """``value`` as a string; None and NaN-like missing values become ``""``."""
    return "" if is_missing(value) else str(value)


def plain_markdown(text: object) -> str:
    r"""``text`` with Markdown's special characters escaped, so it shows exactly as written.

    A link, an image, HTML, a heading, a list marker, a bare URL or e-mail address
    (:data:`AUTOLINK_STARTS`) or one of Streamlit's colour and icon directives becomes literal
    text. Line breaks are kept.

    Examples
    --------
    >>> print(plain_markdown("*De Spil* [MFC]"))
    \*De Spil\* \[MFC\]
    >>> plain_markdown("[log in](http://x.nl)").replace(WORD_JOINER, "+")
    '\\[log in\\]\\(http+\\:\\/\\/x\\.nl\\)'
    """
    joined = AUTOLINK_STARTS.sub(lambda match: match.group(0) + WORD_JOINER, _as_text(text))
    return MARKDOWN_SPECIALS.sub(r"\\\1", joined)


def plain_html(text: object) -> str:
    """``text`` with ``&``, ``<``, ``>`` and both quotes as entities, for an HTML document.

    Examples
    --------
    >>> plain_html('<img src="x" onerror=alert(1)>')
    '&lt;img src=&quot;x&quot; onerror=alert(1)&gt;'
    """
    return html.escape(_as_text(text), quote=True)


def plain_plotly(text: object) -> str:
    """``text`` for a plotly label: no tags, no entities, no ``%{…}`` template fields.

    ``&``, ``<`` and ``>`` become entities and ``%`` becomes ``&#37;``; plotly turns the
    entities back into the characters when it draws, so the text reads as written, both as
    ``text``/``hovertext`` and inside a ``hovertemplate``.

    Examples
    --------
    >>> plain_plotly('<a href="http://x.nl">De Spil</a> 100%')
    '&lt;a href="http://x.nl"&gt;De Spil&lt;/a&gt; 100&#37;'
    """
    return html.escape(_as_text(text), quote=False).replace("%", "&#37;")


def shorten(text: object, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line (whitespace folded) and at most ``limit`` characters plus "…".

    Examples
    --------
    >>> shorten("Aa en Hunze")
    'Aa en Hunze'
    >>> shorten("x" * 100, 5)
    'xxxxx…'
    """
    flat = " ".join(_as_text(text).split())
    return flat if len(flat) <= limit else flat[:limit] + ELLIPSIS


def echo(text: object, limit: int = ECHO_LIMIT) -> str:
    r"""An outside value repeated in a Markdown message: shortened, then :func:`plain_markdown`.

    Examples
    --------
    >>> print(echo("[klik](x.nl)" + "a" * 100, 20))
    \[klik\]\(x\.nl\)aaaaaaaa…
    """
    return plain_markdown(shorten(text, limit))
