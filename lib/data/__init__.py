"""Labelled texts for training (helper A writes this package's docstring; this file only makes it a package)."""
