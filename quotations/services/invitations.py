"""Writes on hotel invitations: inviting hotels, a hotel viewing or declining, staff emailing a hotel again."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import EmailMessage
from quotations.cities import city_key
from quotations.errors import QuotationError
from quotations.events import (
    DeadlineChanged,
    InvitationCreated,
    InvitationDeclined,
    InvitationReminded,
    InvitationResent,
    InvitationViewed,
    InvitationWithdrawn,
)
from quotations.limits import bid_deadline_check
from quotations.models import (
    BidStatus,
    Hotel,
    HotelInvitation,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationStatus,
)
from quotations.services.access import staff_require
from quotations.services.audit import quotation_log
from quotations.services.emails import email_bid_deadline_warning, email_hotel_invitation
from quotations.services.quotations import quotation_lock, quotation_transition
from quotations.services.room import invitation_event, room_event_record
from quotations.workflow import CLOSED_TO_HOTEL, Action, action_check, hotel_act_check, hotel_may_see


def invitation_user_may_act(*, invitation: HotelInvitation, user: User) -> bool:
    """A hotel's own members act for it; active staff may act for any hotel."""
    if not user.is_active:
        return False
    if user.role == Role.STAFF:
        return True
    return user.role == Role.HOTEL and invitation.hotel.members.filter(pk=user.pk).exists()


def quotation_invite_hotels(
    *,
    quotation: Quotation,
    hotels: list[Hotel],
    by: User,
    bid_deadline: datetime.datetime | None = None,
) -> list[HotelInvitation]:
    """Invite hotels in the itinerary's cities to bid; opens bidding on a draft.

    Hotels already invited are left as they are, so inviting twice is harmless.
    Returns the invitations created by this call.
    """
    staff_require(by)
    if not hotels:
        raise QuotationError(_("Choose at least one hotel."), field="hotels")
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        opens = action_check(Action.INVITE, locked.status)
        deadline = bid_deadline or locked.bid_deadline
        if deadline is None or deadline <= timezone.now():
            raise QuotationError(_("Set a bid deadline in the future."), field="bid_deadline")
        bid_deadline_check(bid_deadline=deadline)
        if locked.status == QuotationStatus.BIDDING and deadline < locked.bid_deadline:
            # Hotels already invited were promised the current deadline.
            raise QuotationError(
                _("The deadline of an open bidding round cannot be brought forward."), field="bid_deadline"
            )
        cities = {city_key(stay.city) for stay in locked.stays.all()}
        for hotel in hotels:
            if not hotel.is_active:
                raise QuotationError(_("%(hotel)s is not active.") % {"hotel": hotel.name}, field="hotels")
            if city_key(hotel.city) not in cities:
                raise QuotationError(
                    _("%(hotel)s is in %(city)s, which is not on this itinerary.")
                    % {"hotel": hotel.name, "city": hotel.city},
                    field="hotels",
                )
        if opens is not None:
            quotation_transition(quotation=locked, target=opens, by=by, action="quotation.bidding_opened")
        if locked.bid_deadline != deadline:
            previous = locked.bid_deadline
            locked.bid_deadline = deadline
            locked.save(update_fields=["bid_deadline", "updated_at"])
            quotation_log(
                quotation=locked,
                action="quotation.deadline_changed",
                actor=by,
                data={"from": previous.isoformat() if previous else None, "to": deadline.isoformat()},
            )
            room_event_record(quotation=locked, event=DeadlineChanged(bid_deadline=deadline.isoformat()))
        already = set(locked.invitations.values_list("hotel_id", flat=True))
        created = []
        for hotel in hotels:
            if hotel.pk in already:
                continue
            invitation = HotelInvitation.objects.create(quotation=locked, hotel=hotel, invited_by=by)
            already.add(hotel.pk)
            created.append(invitation)
            quotation_log(
                quotation=locked,
                action="invitation.created",
                actor=by,
                data={"invitation": invitation.pk, "hotel": hotel.pk},
            )
            room_event_record(quotation=locked, event=invitation_event(InvitationCreated, invitation))
            email_hotel_invitation(invitation=invitation)
    quotation.refresh_from_db()
    return created


def invitation_mark_viewed(*, invitation: HotelInvitation, by: User) -> HotelInvitation:
    """Record the first time the hotel opened the invitation; later views change nothing."""
    if invitation.viewed_at is not None or not invitation_user_may_act(invitation=invitation, user=by):
        return invitation
    if not hotel_may_see(invitation=invitation):
        return invitation  # a hotel taken out of the bidding no longer sees the group
    if by.role == Role.STAFF:
        return invitation  # staff looking at the portal page is not the hotel viewing it
    with transaction.atomic():
        now = timezone.now()
        first_view = HotelInvitation.objects.filter(pk=invitation.pk, viewed_at__isnull=True)
        updated = first_view.update(viewed_at=now, updated_at=now)
        # Decided in the database, not from the caller's copy: a bid may have landed meanwhile.
        HotelInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.INVITED).update(
            status=InvitationStatus.VIEWED
        )
        if updated:
            quotation_log(
                quotation=invitation.quotation,
                action="invitation.viewed",
                actor=by,
                data={"invitation": invitation.pk},
            )
            room_event_record(quotation=invitation.quotation, event=invitation_event(InvitationViewed, invitation))
    invitation.refresh_from_db()
    return invitation


def invitation_decline(*, invitation: HotelInvitation, reason: str, by: User) -> HotelInvitation:
    """The hotel will not bid; any active bid of theirs is withdrawn with it."""
    if not invitation_user_may_act(invitation=invitation, user=by):
        raise QuotationError(_("You cannot act on this invitation."), code="forbidden")
    if not reason.strip():
        raise QuotationError(_("Tell us why you are declining."), field="reason")
    with transaction.atomic():
        quotation = quotation_lock(quotation=invitation.quotation)
        locked = HotelInvitation.objects.select_for_update().get(pk=invitation.pk)
        hotel_act_check(quotation=quotation, invitation=locked, now=timezone.now())
        withdrawn = locked.bids.filter(status=BidStatus.ACTIVE).update(
            status=BidStatus.WITHDRAWN, updated_at=timezone.now()
        )
        locked.status = InvitationStatus.DECLINED
        locked.declined_at = timezone.now()
        locked.decline_reason = reason.strip()
        locked.save(update_fields=["status", "declined_at", "decline_reason", "updated_at"])
        quotation_log(
            quotation=quotation,
            action="invitation.declined",
            actor=by,
            data={"invitation": locked.pk, "reason": locked.decline_reason, "bids_withdrawn": withdrawn},
        )
        room_event_record(
            quotation=quotation, event=invitation_event(InvitationDeclined, locked, reason=locked.decline_reason)
        )
    invitation.refresh_from_db()
    return invitation


def invitation_withdraw(*, invitation: HotelInvitation, reason: str, by: User) -> HotelInvitation:
    """Staff take a hotel out of the bidding: its bid is withdrawn and it loses access."""
    staff_require(by)
    with transaction.atomic():
        quotation = quotation_lock(quotation=invitation.quotation)
        locked = HotelInvitation.objects.select_for_update().select_related("hotel").get(pk=invitation.pk)
        if locked.status == InvitationStatus.WITHDRAWN:
            raise QuotationError(_("This hotel was already taken out of the bidding."), code="withdrawn")
        action_check(Action.WITHDRAW_HOTEL, quotation.status)
        withdrawn = locked.bids.filter(status=BidStatus.ACTIVE).update(
            status=BidStatus.WITHDRAWN, updated_at=timezone.now()
        )
        locked.status = InvitationStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        quotation_log(
            quotation=quotation,
            action="invitation.withdrawn",
            actor=by,
            data={"invitation": locked.pk, "reason": reason.strip(), "bids_withdrawn": withdrawn},
        )
        room_event_record(quotation=quotation, event=invitation_event(InvitationWithdrawn, locked))
    invitation.refresh_from_db()
    return invitation


def _invitation_lock(invitation: HotelInvitation) -> tuple[Quotation, HotelInvitation]:
    quotation = quotation_lock(quotation=invitation.quotation)
    locked = HotelInvitation.objects.select_for_update().select_related("hotel").get(pk=invitation.pk)
    return quotation, locked


def invitation_resend(*, invitation: HotelInvitation, by: User) -> HotelInvitation:
    """Email the hotel its invitation and portal link again (a lost or deleted email).

    Each resend is a new email with its own dedupe key (the resend's number), so
    asking twice sends twice; a hotel that declined or was taken out is not emailed.
    """
    staff_require(by)
    with transaction.atomic():
        quotation, locked = _invitation_lock(invitation)
        action_check(Action.RESEND_INVITATION, quotation.status)
        if locked.status in CLOSED_TO_HOTEL:
            raise QuotationError(
                _("%(hotel)s declined or was taken out of the bidding: it is not emailed again.")
                % {"hotel": locked.hotel.name},
                code="closed_to_hotel",
            )
        earlier = QuotationLog.objects.filter(quotation=quotation, action="invitation.resent")
        number = earlier.filter(data__invitation=locked.pk).count() + 1
        quotation_log(
            quotation=quotation, action="invitation.resent", actor=by, data={"invitation": locked.pk, "resend": number}
        )
        room_event_record(quotation=quotation, event=invitation_event(InvitationResent, locked))
        email_hotel_invitation(invitation=locked, dedupe_key=f"hotel_invitation:invitation:{locked.pk}:resend:{number}")
    invitation.refresh_from_db()
    return invitation


def invitation_remind(*, invitation: HotelInvitation, by: User) -> HotelInvitation:
    """Remind a hotel that has not bid yet of the bid deadline; once a day at most."""
    staff_require(by)
    with transaction.atomic():
        quotation, locked = _invitation_lock(invitation)
        action_check(Action.REMIND_HOTEL, quotation.status)
        hotel_act_check(quotation=quotation, invitation=locked, now=timezone.now())
        if locked.status == InvitationStatus.BID:
            raise QuotationError(_("%(hotel)s has already bid.") % {"hotel": locked.hotel.name}, code="has_bid")
        today = timezone.localdate()
        dedupe_key = f"deadline_warning:invitation:{locked.pk}:reminder:{today.isoformat()}"
        if EmailMessage.objects.filter(dedupe_key=dedupe_key).exists():
            raise QuotationError(
                _("%(hotel)s was already reminded today.") % {"hotel": locked.hotel.name}, code="reminded_today"
            )
        quotation_log(
            quotation=quotation,
            action="invitation.reminded",
            actor=by,
            data={"invitation": locked.pk, "day": today.isoformat()},
        )
        room_event_record(quotation=quotation, event=invitation_event(InvitationReminded, locked))
        email_bid_deadline_warning(invitation=locked, dedupe_key=dedupe_key)
    invitation.refresh_from_db()
    return invitation
