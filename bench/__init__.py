"""Benchmarks (not tests): `python -m bench ingest` and `python -m bench import`.

They print figures for docs/PERFORMANCE.md; nothing here runs in CI.
"""
