"""Composition root: wiring from configuration, background jobs, command-line tools, demo data."""
