"""Leaf helpers for reading source files: encodings, rows, cell parsers, rejects; no store, no source."""
