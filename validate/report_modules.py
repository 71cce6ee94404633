"""Modules whose ``@comparison`` functions the report runs (imported in this order)."""
MODULES: list[str] = [
    "validate.perceptron",
    "validate.perceptron_rule43",
    "validate.perceptron_flatness",
    "validate.franz_parisi",
    "validate.rbm_variational",
    "validate.vpf",
    "validate.hopfield",
    "validate.rrbm",
]
