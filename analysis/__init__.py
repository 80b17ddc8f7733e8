"""Computation on stored regions: networks, coverage, scenarios, siting and indicators."""

__all__ = [
    "detour", "detour_factors", "errors", "estimates", "indicators", "kern_buurten", "nearest",
    "network", "reach", "scenario", "second_search", "siting",
]
