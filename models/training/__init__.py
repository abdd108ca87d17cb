"""Reproducible training recipe for the merchant and category models (see README.md)."""
