"""The framework's rules as service functions: the only code that mutates domain state."""

from convoy.ceremonies.errors import ProcessViolation

__all__ = ["ProcessViolation"]
