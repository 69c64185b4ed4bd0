"""The ``spdt-harness`` command line."""
