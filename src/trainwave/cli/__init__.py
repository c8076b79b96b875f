"""The ``wave`` command-line interface."""
