"""Checks for notebook 03's exercises."""
