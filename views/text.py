"""Text from files and OpenStreetMap, made safe for Markdown before Streamlit shows it."""

from __future__ import annotations

import re

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def plain_markdown(text: object) -> str:
    """``text`` with Markdown's special characters escaped, so a name from a file shows as is.

    Examples
    --------
    >>> print(plain_markdown("*De Spil* [MFC]"))
    \\*De Spil\\* \\[MFC\\]
    """
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
