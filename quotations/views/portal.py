"""Supplier portal: a hotel's invitations, its bid, revisions, withdrawal and decline."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotations.forms.portal import BidForm, DeclineInvitationForm
from quotations.forms.room import MessageForm
from quotations.privacy import (
    bid_get_for_hotel,
    invitation_get_for_hotel,
    present_invitation_for_hotel,
    present_invitation_list_for_hotel,
    present_messages,
)
from quotations.services import (
    bid_revise,
    bid_submit,
    bid_withdraw,
    invitation_decline,
    invitation_mark_viewed,
    message_post,
)
from quotations.views.confirm import Confirmation, confirmation_render
from spirittours.access import hotel_required
from spirittours.web import action_submit, form_submit


@require_GET
@hotel_required
def portal_home(request: HttpRequest) -> HttpResponse:
    invitations = present_invitation_list_for_hotel(viewer=request.viewer, now=timezone.now())
    return render(request, "quotations/portal/home.html", {"invitations": invitations})


def _page(request, invitation, *, bid_form=None, message_form=None, status=200) -> HttpResponse:
    presented = present_invitation_for_hotel(viewer=request.viewer, invitation=invitation, now=timezone.now())
    context = {
        "invitation": presented,
        "bid_form": bid_form or BidForm(invitation=presented),
        "room": {
            "quotation_id": invitation.quotation_id,
            "messages": present_messages(viewer=request.viewer, quotation_id=invitation.quotation_id),
            "form": message_form or MessageForm(),
            "action": reverse("portal:message", kwargs={"token": invitation.token}),
        },
    }
    return render(request, "quotations/portal/invitation.html", context, status=status)


@require_GET
@hotel_required
def portal_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_for_hotel(viewer=request.viewer, token=token)
    invitation_mark_viewed(invitation=invitation, by=request.user)
    return _page(request, invitation)


@require_POST
@hotel_required
def portal_bid(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_for_hotel(viewer=request.viewer, token=token)
    presented = present_invitation_for_hotel(viewer=request.viewer, invitation=invitation, now=timezone.now())
    form = BidForm(request.POST, invitation=presented)
    write = bid_revise if presented.active_bid else bid_submit
    done = form_submit(
        request,
        form,
        lambda data: write(
            invitation=invitation,
            lines=form.lines(),
            currency=data["currency"],
            valid_until=data["valid_until"],
            conditions=data["conditions"],
            notes=data["notes"],
            by=request.user,
        ),
        success=_("Your bid was saved. You can revise it until the deadline."),
        redirect_to=reverse("portal:invitation", kwargs={"token": token}),
    )
    return done or _page(request, invitation, bid_form=form, status=400)


@require_POST
@hotel_required
def portal_bid_withdraw(request: HttpRequest, token: str, bid_id: int) -> HttpResponse:
    invitation = invitation_get_for_hotel(viewer=request.viewer, token=token)
    bid = bid_get_for_hotel(invitation=invitation, pk=bid_id)
    return action_submit(
        request,
        lambda: bid_withdraw(bid=bid, by=request.user),
        success=_("Your bid was withdrawn."),
        redirect_to=reverse("portal:invitation", kwargs={"token": token}),
    )


def _decline_confirmation(request, invitation, form, *, status=200) -> HttpResponse:
    """What declining means, the reason to give, Decline and Cancel."""
    presented = present_invitation_for_hotel(viewer=request.viewer, invitation=invitation, now=timezone.now())
    consequences = [
        _("You will no longer be able to bid for this group, even before the deadline."),
        _("Our team is told at once, with your reason."),
    ]
    if presented.active_bid:
        consequences.insert(1, _("Your current bid is withdrawn with it."))
    confirmation = Confirmation(
        title=_("Decline the invitation for %(group)s?") % {"group": presented.group_name},
        consequences=tuple(consequences),
        action=reverse("portal:decline", kwargs={"token": invitation.token}),
        confirm_label=_("Decline invitation"),
        cancel_url=reverse("portal:invitation", kwargs={"token": invitation.token}),
        form=form,
        danger=True,
    )
    return confirmation_render(request, confirmation, status=status)


@require_http_methods(["GET", "POST"])
@hotel_required
def portal_decline(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the confirmation page, where the hotel gives its reason; POST: decline."""
    invitation = invitation_get_for_hotel(viewer=request.viewer, token=token)
    if request.method == "GET":
        presented = present_invitation_for_hotel(viewer=request.viewer, invitation=invitation, now=timezone.now())
        if not presented.is_open or presented.declined:
            return redirect(reverse("portal:invitation", kwargs={"token": token}))
        return _decline_confirmation(request, invitation, DeclineInvitationForm())
    form = DeclineInvitationForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: invitation_decline(invitation=invitation, reason=data["reason"], by=request.user),
        success=_("You declined this invitation. Thank you for letting us know."),
        redirect_to=reverse("portal:invitation", kwargs={"token": token}),
    )
    return done or _decline_confirmation(request, invitation, form, status=400)


@require_POST
@hotel_required
def portal_message(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_for_hotel(viewer=request.viewer, token=token)
    form = MessageForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: message_post(
            quotation=invitation.quotation, author=request.user, body=data["body"], audience="staff"
        ),
        success=_("Your question was sent to our team."),
        redirect_to=reverse("portal:invitation", kwargs={"token": token}) + "#room-messages",
    )
    return done or _page(request, invitation, message_form=form, status=400)
