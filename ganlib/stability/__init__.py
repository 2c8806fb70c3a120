"""Notebook 04, instability and mode collapse: the fixes, the gallery of broken runs, the
mode-collapse experiments."""
