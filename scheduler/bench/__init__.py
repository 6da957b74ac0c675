"""Benchmark building blocks: seeded instances, a MIP translation of the model."""
