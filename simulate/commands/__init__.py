"""Command modules of ``python -m simulate`` (one per algorithm family)."""
