"""``ui.downloads.chart_downloads`` in a small AppTest script: images on request, and fallbacks.

The image buttons are deferred downloads; the ``deferred`` fixture (from the Export page tests)
catches their callables, so calling one is what a click on the button does.
"""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rendering import images
from views.text import plain_markdown

WIDTH = 700


def _script() -> None:
    import pandas as pd
    import plotly.graph_objects as go

    from ui.downloads import chart_downloads

    table = pd.DataFrame({"Buurt": ["Annen", "Gieten"], "Eenzaam (%)": [38.7, 43.8]})
    figure = go.Figure(go.Bar(x=table["Buurt"], y=table["Eenzaam (%)"], marker_color="#1f6f8b"))
    figure.update_layout(title="Eenzaam per buurt", width=700, height=400)
    chart_downloads(figure, "proef", sources=["Bron: CBS (CC BY 4.0)"], table=table)


def _app() -> AppTest:
    script = AppTest.from_function(_script, default_timeout=60)
    script.run()
    assert not script.exception, [e.value for e in script.exception]
    return script


def _labels(app: AppTest) -> list[str]:
    return [button.proto.label for button in app.get("download_button")]


def test_png_is_made_on_request_at_twice_the_size(deferred) -> None:
    app = _app()
    assert _labels(app) == ["PNG", "SVG", "PDF", "Interactieve HTML", "Gegevens (CSV voor Excel)"]
    assert deferred["proef.png"].mime == "image/png"
    png = deferred["proef.png"].build()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 2 * WIDTH
    assert height > 2 * 400, "the footer with source and date adds height"
    svg = ET.fromstring(deferred["proef.svg"].build())  # noqa: S314 - the SVG the page made
    text = " ".join(t for t in svg.itertext())
    assert "Eenzaam per buurt" in text
    assert "Bron: CBS (CC BY 4.0)" in text
    assert "Gemaakt op" in text
    assert deferred["proef.pdf"].build().startswith(b"%PDF")
    csv = pd.read_csv(io.BytesIO(deferred["proef.csv"].build()), sep=";", decimal=",",
                      encoding="utf-8-sig")
    assert csv["Eenzaam (%)"].tolist() == [38.7, 43.8]


@pytest.mark.usefixtures("no_browser")
def test_without_a_browser_the_popover_says_so_and_offers_html(deferred) -> None:
    app = _app()
    assert [info.value for info in app.info] == [images.NO_BROWSER_MESSAGE]
    assert "apt-get" not in images.NO_BROWSER_MESSAGE
    assert "beheerder" in images.NO_BROWSER_MESSAGE
    assert "sudo apt-get install chromium" in images.NO_BROWSER_HINT
    assert _labels(app) == ["Interactieve HTML", "Gegevens (CSV voor Excel)"]
    assert deferred["proef.html"].build().startswith(b"<!doctype html>")


def test_a_failed_export_shows_the_dutch_reason_on_the_next_run(
    monkeypatch: pytest.MonkeyPatch, deferred
) -> None:
    reason = "Het maken van de afbeelding is mislukt (TimeoutError). Probeer het opnieuw."

    def fail(*_args: object, **_kwargs: object) -> bytes:
        raise images.StaticExportError(reason)

    app = _app()
    monkeypatch.setattr(images, "figure_bytes", fail)
    with pytest.raises(images.StaticExportError):
        deferred["proef.png"].build()
    app.run()
    assert [warning.value for warning in app.warning] == [plain_markdown(reason)]
    monkeypatch.undo()
    deferred["proef.svg"].build()
    app.run()
    assert not app.warning, "a successful export clears the message"

