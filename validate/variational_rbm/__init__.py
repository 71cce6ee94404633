"""validate.variational_rbm."""
