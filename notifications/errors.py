from spirittours.errors import DomainError


class TransientSendError(Exception):
    """The provider may accept the email later: retry with backoff."""


class PermanentSendError(DomainError):
    """The email cannot be sent as it is: no retry."""
