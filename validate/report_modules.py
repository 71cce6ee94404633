"""Modules whose ``@comparison`` functions the report runs (imported in this order)."""
MODULES: list[str] = [
    "validate.perceptron.capacity",
    "validate.perceptron.finite_size",
    "validate.perceptron.rule43",
    "validate.perceptron.flatness",
    "validate.perceptron.franz_parisi",
    "validate.perceptron.stability",
    "validate.perceptron.rsb",
    "validate.variational_rbm.learning",
    "validate.boltzmann.vpf",
    "validate.rbm.hopfield",
    "validate.rbm.relu_rbm",
    "validate.deep.networks",
]
