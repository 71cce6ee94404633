"""validate.perceptron.capacity."""
