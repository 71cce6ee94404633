"""theory.perceptron.franz_parisi."""
