"""Outside text (URL, files, OpenStreetMap, APIs) made safe before Streamlit or plotly shows it.

One module for every place where text from outside the code meets a renderer:

* :func:`plain_markdown` for everything Streamlit reads as Markdown: ``st.markdown``,
  ``st.caption``, the alerts, titles and headers, widget labels and ``help=`` tooltips;
* :func:`plain_html` for HTML that a browser renders (a page or an exported file);
* :func:`plain_plotly` for plotly's text, hover text, titles and annotations, which render a
  subset of HTML (``<a href>``, ``<b>``, ``<br>``, entities) and, inside a ``hovertemplate``,
  ``%{…}`` fields;
* :func:`shorten` and :func:`echo` for a value that is repeated back to the user (a wrong value
  from a link): whitespace folded and cut to :data:`ECHO_LIMIT` characters with "…".

Missing values (None, NaN, ``pd.NA``) become the empty string everywhere.
"""

from __future__ import annotations

import html
import math
import re

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


def _as_text(value: object) -> str:
    """``value`` as a string; None and NaN-like missing values become ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ in {"NAType", "NaTType"}:
        return ""
    return str(value)


def plain_markdown(text: object) -> str:
    """``text`` with Markdown's special characters escaped, so it shows exactly as written.

    A link, an image, HTML, a heading, a list marker, a bare URL or e-mail address
    (:data:`AUTOLINK_STARTS`) or one of Streamlit's colour and icon directives becomes literal
    text. Line breaks are kept.

    Examples
    --------
    >>> print(plain_markdown("*De Spil* [MFC]"))
    \\*De Spil\\* \\[MFC\\]
    >>> plain_markdown("[log in](http://x.nl)").replace(WORD_JOINER, "+")
    '\\\\[log in\\\\]\\\\(http+\\\\:\\\\/\\\\/x\\\\.nl\\\\)'
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
    """An outside value repeated in a Markdown message: shortened, then :func:`plain_markdown`.

    Examples
    --------
    >>> print(echo("[klik](x.nl)" + "a" * 100, 20))
    \\[klik\\]\\(x\\.nl\\)aaaaaaaa…
    """
    return plain_markdown(shorten(text, limit))
