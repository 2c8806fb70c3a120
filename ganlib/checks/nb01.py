"""Checks for notebook 01's exercises."""
