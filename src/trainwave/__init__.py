"""Trainwave: the Python SDK and ``wave`` CLI for the Trainwave API."""

__version__ = "0.1.0"
