"""Rasa input/output channels this assistant adds to the built-in ones."""
