"""What other apps do when a quotation moves, inside the transaction of the move.

An app that builds on quotations (bookings) connects a receiver in its
AppConfig.ready(); quotations never imports it. A receiver that raises rolls the
move back with it, so an approval and what it creates are one change.
"""

from django.dispatch import Signal

# Sent by quotation_approve once the status is `approved`, before commit; kwargs: quotation, by.
quotation_approved = Signal()
# Sent by quotation_cancel once the status is `cancelled`, before commit; kwargs: quotation, reason, by.
quotation_cancelled = Signal()
