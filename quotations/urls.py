"""The pages of the hotel portal, the client pages and the staff workspace; mounted by `quotations.areas`."""

from django.urls import path

from quotations.views import client, portal, staff

portal_urlpatterns = [
    path("", portal.portal_home, name="home"),
    path("i/<slug:token>/", portal.portal_invitation, name="invitation"),
    path("i/<slug:token>/bid/", portal.portal_bid, name="bid"),
    path("i/<slug:token>/bids/<int:bid_id>/withdraw/", portal.portal_bid_withdraw, name="bid_withdraw"),
    path("i/<slug:token>/decline/", portal.portal_decline, name="decline"),
    path("i/<slug:token>/messages/", portal.portal_message, name="message"),
]

client_urlpatterns = [
    path("", client.client_home, name="home"),
    path("quotations/<int:pk>/", client.client_quotation, name="quotation"),
    path("quotations/<int:pk>/quote.pdf", client.client_quotation_pdf, name="quotation_pdf"),
    path("quotations/<int:pk>/approve/", client.client_approve, name="approve"),
    path("quotations/<int:pk>/changes/", client.client_request_changes, name="request_changes"),
    path("quotations/<int:pk>/decline/", client.client_decline, name="decline"),
    path("quotations/<int:pk>/messages/", client.client_message, name="message"),
]

staff_urlpatterns = [
    path("", staff.staff_home, name="home"),
    path("quotations/new/", staff.staff_quotation_create, name="quotation_create"),
    path("quotations/<int:pk>/", staff.staff_quotation, name="quotation"),
    path("quotations/<int:pk>/invite/", staff.staff_invite, name="invite"),
    path("quotations/<int:pk>/close/", staff.staff_close_bidding, name="close_bidding"),
    path("quotations/<int:pk>/deadline/", staff.staff_extend_deadline, name="extend_deadline"),
    path("quotations/<int:pk>/extras/", staff.staff_extra_add, name="extra_add"),
    path("quotations/<int:pk>/extras/<int:extra_id>/remove/", staff.staff_extra_remove, name="extra_remove"),
    path("quotations/<int:pk>/price/", staff.staff_price, name="price"),
    path("quotations/<int:pk>/price/preview/", staff.staff_price_preview, name="price_preview"),
    path("quotations/<int:pk>/send/", staff.staff_send, name="send"),
    path("quotations/<int:pk>/preview/", staff.staff_client_preview, name="client_preview"),
    path("quotations/<int:pk>/duplicate/", staff.staff_duplicate, name="duplicate"),
    path(
        "quotations/<int:pk>/invitations/<int:invitation_id>/resend/",
        staff.staff_invitation_resend,
        name="invitation_resend",
    ),
    path(
        "quotations/<int:pk>/invitations/<int:invitation_id>/remind/",
        staff.staff_invitation_remind,
        name="invitation_remind",
    ),
    path(
        "quotations/<int:pk>/invitations/<int:invitation_id>/withdraw/",
        staff.staff_invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("quotations/<int:pk>/invitations/<int:invitation_id>/bid/", staff.staff_invitation_bid, name="invitation_bid"),
    path("quotations/<int:pk>/cancel/", staff.staff_cancel, name="cancel"),
    path("quotations/<int:pk>/messages/", staff.staff_message, name="message"),
]
