from spirittours.errors import DomainError


class LegacyError(DomainError):
    """The export cannot be imported at all (no such directory, a file without its columns); nothing was written."""
