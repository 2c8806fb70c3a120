"""Notebook 01, the forger and the detective in one dimension: the theory, a duel you can step, its
widgets."""
