"""theory.perceptron."""
