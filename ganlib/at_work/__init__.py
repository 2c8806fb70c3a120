"""Notebook 08, GANs at work: super-resolution, synthetic training data, membership inference."""
