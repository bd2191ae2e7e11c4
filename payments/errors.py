from spirittours.errors import DomainError


class PaymentError(DomainError):
    """A payment or refund verb was refused; no money moved and nothing was written."""
