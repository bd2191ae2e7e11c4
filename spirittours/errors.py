"""The base of every app's domain error.

Services raise a subclass (QuotationError, BookingError, ...) with a
translatable message and, where the error belongs to one input, the field
name. Pages and the API turn it into a 4xx with that message in one place.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
