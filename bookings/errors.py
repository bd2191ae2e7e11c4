from spirittours.errors import DomainError


class BookingError(DomainError):
    """A booking verb was refused; nothing was written."""
