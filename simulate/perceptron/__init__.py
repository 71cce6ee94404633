"""simulate.perceptron."""
