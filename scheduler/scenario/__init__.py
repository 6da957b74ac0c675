"""Scenario files → validated, immutable Scenario."""
