"""What each viewer may see: the one place that decides it.

access.py       who is looking and which objects they may reach
presented.py    the base of every presented view (a frozen dataclass)
requirements.py the trip as every viewer sees it (room mix, itinerary, requirements)
hotels.py       the supplier portal's views
clients.py      the client pages' views
staff.py        the staff workspace's views, the margin only from the margin level
timeline.py     the staff's activity timeline and what the client asked
comparison.py   the staff's bid comparison, ranked by the pricing
room.py         live room frames, snapshots and replays
emails.py       the context of every quotation email, built for its recipient
"""

from quotations.privacy.access import (
    ANONYMOUS,
    CLIENT_STATUSES,
    Viewer,
    ViewerKind,
    bid_get_for_hotel,
    invitation_get_for_hotel,
    invitations_visible,
    quotation_get_visible,
    quotations_visible,
    viewer_for,
)
from quotations.privacy.clients import (
    PresentedChosenHotel,
    PresentedClientPrices,
    PresentedQuotationForClient,
    PresentedQuotationSummaryForClient,
    present_quotation_for_client,
    present_quotation_list_for_client,
)
from quotations.privacy.comparison import (
    ComparisonExcluded,
    ComparisonRate,
    ComparisonRow,
    ComparisonStay,
    ExclusionReason,
    present_bid_comparison,
)
from quotations.privacy.hotels import (
    PresentedBid,
    PresentedBidLine,
    PresentedHotel,
    PresentedInvitationForHotel,
    PresentedInvitationSummaryForHotel,
    present_invitation_for_hotel,
    present_invitation_list_for_hotel,
)
from quotations.privacy.presented import Presented
from quotations.privacy.requirements import (
    PresentedRequirements,
    PresentedRoom,
    PresentedRoomPrice,
    PresentedStay,
    present_itinerary,
    present_requirements,
    present_room_mix,
)
from quotations.privacy.room import (
    REPLAY_LIMIT,
    message_visible,
    present_event,
    present_messages,
    present_room_snapshot,
    room_catch_up,
    room_event_presenter,
    room_may_join,
)
from quotations.privacy.staff import (
    PresentedClientForStaff,
    PresentedExtra,
    PresentedInvitationForStaff,
    PresentedPricePreview,
    PresentedPricingForStaff,
    PresentedQuotationForStaff,
    PresentedStayCost,
    present_price_preview_for_staff,
    present_pricing_for_staff,
    present_quotation_for_staff,
)
from quotations.privacy.timeline import PresentedTimeline, TimelineEntry, TimelineKind, present_timeline_for_staff

__all__ = [
    "ANONYMOUS",
    "CLIENT_STATUSES",
    "REPLAY_LIMIT",
    "ComparisonExcluded",
    "ComparisonRate",
    "ComparisonRow",
    "ComparisonStay",
    "ExclusionReason",
    "Presented",
    "PresentedBid",
    "PresentedBidLine",
    "PresentedChosenHotel",
    "PresentedClientForStaff",
    "PresentedClientPrices",
    "PresentedExtra",
    "PresentedHotel",
    "PresentedInvitationForHotel",
    "PresentedInvitationForStaff",
    "PresentedInvitationSummaryForHotel",
    "PresentedPricePreview",
    "PresentedPricingForStaff",
    "PresentedQuotationForClient",
    "PresentedQuotationForStaff",
    "PresentedQuotationSummaryForClient",
    "PresentedRequirements",
    "PresentedRoom",
    "PresentedRoomPrice",
    "PresentedStay",
    "PresentedStayCost",
    "PresentedTimeline",
    "TimelineEntry",
    "TimelineKind",
    "Viewer",
    "ViewerKind",
    "bid_get_for_hotel",
    "invitation_get_for_hotel",
    "invitations_visible",
    "message_visible",
    "present_bid_comparison",
    "present_event",
    "present_invitation_for_hotel",
    "present_invitation_list_for_hotel",
    "present_itinerary",
    "present_messages",
    "present_price_preview_for_staff",
    "present_pricing_for_staff",
    "present_quotation_for_client",
    "present_quotation_for_staff",
    "present_quotation_list_for_client",
    "present_requirements",
    "present_room_mix",
    "present_room_snapshot",
    "present_timeline_for_staff",
    "quotation_get_visible",
    "quotations_visible",
    "room_catch_up",
    "room_event_presenter",
    "room_may_join",
    "viewer_for",
]
