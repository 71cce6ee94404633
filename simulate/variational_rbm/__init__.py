"""simulate.variational_rbm."""
