"""Every write on quotations, invitations and bids goes through these verbs."""

from quotations.services.audit import quotation_log
from quotations.services.bids import MAX_NIGHTLY_RATE, BidLineInput, bid_revise, bid_submit, bid_withdraw
from quotations.services.invitations import (
    invitation_decline,
    invitation_mark_viewed,
    invitation_remind,
    invitation_resend,
    invitation_user_may_act,
    invitation_withdraw,
    quotation_invite_hotels,
)
from quotations.services.pricing import (
    quotation_extra_add,
    quotation_extra_remove,
    quotation_price,
    quotation_price_preview,
)
from quotations.services.quotations import (
    RoomMix,
    StayInput,
    quotation_approve,
    quotation_cancel,
    quotation_close_bidding,
    quotation_create,
    quotation_decline,
    quotation_duplicate,
    quotation_expire,
    quotation_extend_deadline,
    quotation_mark_booked,
    quotation_request_changes,
    quotation_revise,
    quotation_send,
    quotation_transition,
    quotation_update,
)
from quotations.services.references import reference_next
from quotations.services.room import message_post, room_event_record, room_group

__all__ = [
    "MAX_NIGHTLY_RATE",
    "BidLineInput",
    "RoomMix",
    "StayInput",
    "bid_revise",
    "bid_submit",
    "bid_withdraw",
    "invitation_decline",
    "invitation_mark_viewed",
    "invitation_remind",
    "invitation_resend",
    "invitation_user_may_act",
    "invitation_withdraw",
    "message_post",
    "quotation_approve",
    "quotation_cancel",
    "quotation_close_bidding",
    "quotation_create",
    "quotation_decline",
    "quotation_duplicate",
    "quotation_expire",
    "quotation_extend_deadline",
    "quotation_extra_add",
    "quotation_extra_remove",
    "quotation_invite_hotels",
    "quotation_log",
    "quotation_mark_booked",
    "quotation_price",
    "quotation_price_preview",
    "quotation_request_changes",
    "quotation_revise",
    "quotation_send",
    "quotation_transition",
    "quotation_update",
    "reference_next",
    "room_event_record",
    "room_group",
]
