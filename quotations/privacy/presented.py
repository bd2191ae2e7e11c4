"""The base of every presented view."""

from typing import Any

from django.utils.functional import Promise

# A label translated when it is rendered, in the viewer's language (a choice's label).
Label = str | Promise


class Presented:
    """A view built for one viewer: a frozen dataclass holding only what that viewer may see.

    Pages, the API and WhatsApp answers read its attributes. The forms built
    from a presented view read it by key (`invitation["stays"]`), as templates
    may: only the dataclass's own fields answer, anything else is a KeyError.
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)
