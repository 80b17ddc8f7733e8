"""Computation on stored regions: networks, coverage, scenarios, siting and indicators."""
