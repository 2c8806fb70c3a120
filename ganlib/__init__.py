"""ganlib: the helper package of the GAN course. Small modules, one idea each."""

__version__ = "0.1.0"
