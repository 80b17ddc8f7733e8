"""Rendering that needs a running browser: the process-wide Chromium behind image exports."""

__all__ = ["images"]
