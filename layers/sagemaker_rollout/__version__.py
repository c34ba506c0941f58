"""The one place the project's version lives."""

__version__ = "0.1.0"
