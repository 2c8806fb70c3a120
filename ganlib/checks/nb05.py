"""Checks for notebook 05's exercises."""
