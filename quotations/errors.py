from spirittours.errors import DomainError


class QuotationError(DomainError):
    """A quotation, invitation or bid verb was refused; nothing was written."""
