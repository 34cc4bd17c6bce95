"""Test doubles of the ports: an in-memory store honest enough to run the store contract suite."""
