"""Notebook 05, judging generators: feature extractors (the course classifier, Inception-v3) and
corruptions."""
