"""validate.rbm."""
