"""simulate.core."""
