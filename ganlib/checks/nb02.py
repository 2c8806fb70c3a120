"""Checks for notebook 02's exercises."""
