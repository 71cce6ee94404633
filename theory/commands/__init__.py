"""Command modules of ``python -m theory`` (one per model family)."""
