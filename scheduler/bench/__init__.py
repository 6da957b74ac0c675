"""Benchmark building blocks: seeded instances and district sets."""
