"""Place text labels next to map points without overlaps, most important first.

Plotly draws a point's text at one of a few fixed positions and never moves it away from
another label. :func:`place_labels` picks, per point in order of priority, the first position
whose box (estimated from the number of characters and the font size) overlaps neither a
label already placed nor another point's marker; a label that fits nowhere is left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

POSITIONS = ("top center", "bottom center", "middle right", "middle left")
"""Plotly ``textposition`` values tried, in order."""
CHAR_WIDTH = 0.6
"""Average character width as a share of the font size (DejaVu Sans, mixed case)."""


def place_labels(
    x: Sequence[float],
    y: Sequence[float],
    texts: Sequence[str],
    *,
    priority: Sequence[float] | np.ndarray,
    units_per_pixel: float,
    font_size: float | Sequence[float] | np.ndarray = 10.0,
    marker_size: float | Sequence[float] | np.ndarray = 12.0,
    bounds: Sequence[float] | None = None,
    taken: np.ndarray | None = None,
) -> list[str | None]:
    """The ``textposition`` of each point's label, or None where it would overlap.

    Parameters
    ----------
    x, y
        Point positions in data units (metres on an RD map).
    texts
        The labels.
    priority
        Higher first (e.g. inhabitants); ties keep the given order.
    units_per_pixel
        Data units per screen pixel at the figure's size.
    font_size, marker_size
        In pixels, one for all points or one per point.
    bounds
        (xmin, ymin, xmax, ymax) of the visible map: a label must lie wholly inside.
    taken
        Boxes (n × 4, as :func:`label_box`) already holding a label placed earlier.

    Returns
    -------
    list of str or None
        Aligned with the points.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    fonts = np.broadcast_to(np.asarray(font_size, dtype=float), xs.shape)
    halves = np.broadcast_to(np.asarray(marker_size, dtype=float), xs.shape) / 2 * units_per_pixel
    markers = np.column_stack([xs - halves, ys - halves, xs + halves, ys + halves])
    placed: list[np.ndarray] = [] if taken is None else list(np.asarray(taken).reshape(-1, 4))
    result: list[str | None] = [None] * len(xs)
    order = sorted(range(len(xs)), key=lambda i: -float(priority[i]))
    for i in order:
        if not texts[i] or np.isnan(xs[i]) or np.isnan(ys[i]):
            continue
        others = np.delete(markers, i, axis=0)
        for position in POSITIONS:
            box = label_box(position, xs[i], ys[i], texts[i], units_per_pixel=units_per_pixel,
                            font_size=fonts[i], marker_size=2 * halves[i] / units_per_pixel)
            if bounds is not None and (box[0] < bounds[0] or box[1] < bounds[1]
                                       or box[2] > bounds[2] or box[3] > bounds[3]):
                continue
            if _overlaps(box, others) or any(_overlaps(box, p[None, :]) for p in placed):
                continue
            placed.append(box)
            result[i] = position
            break
    return result


def label_box(
    position: str,
    x: float,
    y: float,
    text: str,
    *,
    units_per_pixel: float,
    font_size: float = 10.0,
    marker_size: float = 12.0,
) -> np.ndarray:
    """The box (xmin, ymin, xmax, ymax) of ``text`` at ``position`` beside a point at (x, y).

    The width is estimated from the number of characters (:data:`CHAR_WIDTH`), the height is
    1.3 times the font size; both in data units, like ``x`` and ``y``.
    """
    width = len(text) * CHAR_WIDTH * font_size * units_per_pixel
    height = font_size * 1.3 * units_per_pixel
    gap = marker_size / 2 * units_per_pixel
    if position == "top center":
        return np.array([x - width / 2, y + gap, x + width / 2, y + gap + height])
    if position == "bottom center":
        return np.array([x - width / 2, y - gap - height, x + width / 2, y - gap])
    if position == "middle right":
        return np.array([x + gap, y - height / 2, x + gap + width, y + height / 2])
    return np.array([x - gap - width, y - height / 2, x - gap, y + height / 2])


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> bool:
    if not len(boxes):
        return False
    return bool(np.any((box[0] < boxes[:, 2]) & (box[2] > boxes[:, 0])
                       & (box[1] < boxes[:, 3]) & (box[3] > boxes[:, 1])))
