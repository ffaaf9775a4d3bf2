"""Pieces of `pipelines demo`: each registers one kind of integration for the demo account."""
