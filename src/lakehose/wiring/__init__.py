"""Adapters that ``runtime.py`` uses to fulfil one engine's ports with other engines."""
