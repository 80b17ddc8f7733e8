"""Steps that join loading and analysis: work done once when data changes, stored as layers.

The flow stays one-directional: loaders read and store, analysis computes without I/O, and
this package runs an analysis on stored layers and stores its result (the reach per kern), so
that pages only filter. Called by the command line and by the pages that write data.
"""

__all__ = ["loneliness", "reach"]
