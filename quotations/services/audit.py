from typing import Any

from accounts.models import User
from quotations.models import Quotation, QuotationLog


def quotation_log(
    *, quotation: Quotation, action: str, actor: User | None, data: dict[str, Any] | None = None
) -> QuotationLog:
    """Append an audit entry; call it inside the transaction of the change it records."""
    return QuotationLog.objects.create(quotation=quotation, action=action, actor=actor, data=data or {})
