"""Documents attached to an email, made when it is sent, by the app that owns them.

An app declares EMAIL_ATTACHMENTS in its `attachments.py`: {kind: builder}, where
builder(id=..., language=...) returns (file name, content, MIME type). The outbox
row stores only [{"kind", "id"}]; the document is built again at each attempt,
so a retried email carries the same document, and notifications imports no app.
"""

from collections.abc import Callable
from functools import cache

from spirittours.discovery import app_declarations

Builder = Callable[..., tuple[str, bytes, str]]


@cache
def attachment_builders() -> dict[str, Builder]:
    builders: dict[str, Builder] = {}
    for declared in app_declarations(module="attachments", name="EMAIL_ATTACHMENTS"):
        builders.update(declared)
    return builders


def attachments_build(*, specs: list[dict], language: str) -> list[tuple[str, bytes, str]]:
    """Every attachment of an email; an unknown kind is a programming error (KeyError)."""
    builders = attachment_builders()
    return [builders[spec["kind"]](id=spec["id"], language=language) for spec in specs]
