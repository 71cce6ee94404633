"""validate.boltzmann."""
