"""The base of every app's domain error.

Services raise a subclass (QuotationError, BookingError, ...) with a
translatable message and, where the error belongs to one input, the field
name. Pages and the API turn it into a 4xx with that message in one place.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class NotVisible(DomainError):
    """The object does not exist, or the viewer may not see it: the two answer the same.

    Raised by every privacy lookup and presenter (quotations, bookings,
    payments...). Pages answer 404 (spirittours.middleware), the API 404, so
    that guessed ids and tokens tell nothing; it is never shown as a form error.
    """

    def __init__(self, message: str | Promise | None = None):
        super().__init__(message or _("Not found."), code="not_visible")
