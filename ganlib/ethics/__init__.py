"""Notebook 06, ethics measured: memorisation, fake detection and watermarks, energy, data and model
cards."""
