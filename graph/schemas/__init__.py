"""JSON Schemas of stakenet outputs (package data)."""
