from django.utils.translation import gettext as _

from accounts.models import Role, User
from quotations.errors import QuotationError


def staff_require(user: User) -> None:
    """Staff-only verbs refuse anyone else, and staff no longer active."""
    if user.role != Role.STAFF or not user.is_active:
        raise QuotationError(_("Only active staff may do this."), code="forbidden")
