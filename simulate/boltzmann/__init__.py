"""simulate.boltzmann.machines."""
