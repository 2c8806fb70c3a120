"""Checks for notebook 04's exercises."""
