"""Tests of the build layers (pipelines/sync/build.py)."""
