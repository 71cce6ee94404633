"""Command modules of ``python -m validate`` (one per comparison family)."""
