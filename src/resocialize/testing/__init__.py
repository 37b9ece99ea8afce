"""Hypothesis strategies and test helpers for users of resocialize."""
