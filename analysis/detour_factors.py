"""Detour factors measured on real road networks; written by bench/calibrate_detour.py.

Do not edit by hand: run ``python bench/calibrate_detour.py --schrijf``. Random node
pairs (seed 1313, 300 start nodes per mode) per band of straight-line distance;
the factor is network distance over straight-line distance.
"""

MEASURED_ON = "2026-12-07"
"""Date of the measurement."""

SOURCES: dict[str, str] = {
    "walk": "OpenStreetMap, Liechtenstein (geen Nederlands wegennet), voetgangersnetwerk",
    "bike": "OpenStreetMap, fietsnetwerk van de gemeente Wageningen (2018)",
    "drive": "OpenStreetMap, Liechtenstein (geen Nederlands wegennet), autonetwerk",
}
"""The network each mode was measured on (Dutch, for the page Bronnen en methode)."""

BANDS: dict[str, tuple[tuple[float, float, int, float, float, float], ...]] = {
    "walk": (
        (100, 1000, 2933, 1.723, 1.140, 3.702),
        (1000, 2000, 2905, 1.756, 1.192, 3.226),
        (2000, 5000, 2914, 1.704, 1.190, 2.890),
        (5000, float("inf"), 2913, 1.480, 1.145, 2.144),
    ),
    "bike": (
        (100, 1000, 3000, 1.293, 1.106, 1.690),
        (1000, 2000, 3000, 1.234, 1.110, 1.394),
        (2000, 5000, 3000, 1.187, 1.098, 1.289),
        (5000, float("inf"), 1795, 1.131, 1.096, 1.204),
    ),
    "drive": (
        (100, 1000, 2955, 1.645, 1.125, 3.626),
        (1000, 2000, 2948, 1.643, 1.148, 3.391),
        (2000, 5000, 2951, 1.576, 1.136, 2.766),
        (5000, float("inf"), 2936, 1.326, 1.108, 1.837),
    ),
}
"""Per mode and band: (from m, to m, pairs, median, 10th percentile, 90th percentile)."""

DETOUR_FACTORS: dict[str, float] = {
    "walk": 1.73,
    "bike": 1.23,
    "drive": 1.62,
}
"""Per mode the median factor over 100-5000 m, rounded to two decimals."""
