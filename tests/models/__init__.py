"""Tests of keras_gans.models (the shared tiny models are in tests/tiny.py)."""
