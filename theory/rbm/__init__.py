"""theory.rbm."""
