"""Staff workspace: quotation list, creation, the quotation page and its actions."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotations.errors import QuotationError
from quotations.forms.portal import BidForm
from quotations.forms.room import StaffMessageForm
from quotations.forms.staff import (
    DEFAULT_BID_WINDOW,
    DEFAULT_QUOTE_VALIDITY,
    CancelForm,
    DuplicateForm,
    ExtendDeadlineForm,
    ExtraForm,
    InviteHotelsForm,
    PriceForm,
    QuotationCreateForm,
    QuotationFilterForm,
    SendForm,
    WithdrawHotelForm,
)
from quotations.limits import bid_deadline_latest
from quotations.models import HotelInvitation, InvitationStatus, QuotationExtra, QuotationLog, QuotationStatus
from quotations.privacy import (
    present_messages,
    present_price_preview_for_staff,
    present_quotation_for_staff,
    present_timeline_for_staff,
    quotation_get_visible,
    quotations_visible,
)
from quotations.privacy.preview import present_invitation_as_hotel_for_staff, present_quotation_preview_for_staff
from quotations.services import (
    bid_revise,
    bid_submit,
    invitation_remind,
    invitation_resend,
    invitation_withdraw,
    message_post,
    quotation_cancel,
    quotation_close_bidding,
    quotation_create,
    quotation_duplicate,
    quotation_extend_deadline,
    quotation_extra_add,
    quotation_extra_remove,
    quotation_invite_hotels,
    quotation_price,
    quotation_price_preview,
    quotation_send,
)
from quotations.views.confirm import Confirmation, confirmation_render
from quotations.workflow import Action, action_allowed, actions_allowed
from spirittours.access import staff_required
from spirittours.templatetags.figures import day_format, money_format
from spirittours.web import action_submit, form_add_domain_error, form_submit

PAGE_SIZE = 25


@require_GET
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    form = QuotationFilterForm(request.GET or None)
    quotations = quotations_visible(viewer=request.viewer).select_related("client", "owner").order_by("-created_at")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            quotations = quotations.filter(status=data["status"])
        if data["owner"]:
            quotations = quotations.filter(owner=data["owner"])
        if data["deadline_before"]:
            quotations = quotations.filter(bid_deadline__date__lt=data["deadline_before"])
        if data["q"]:
            term = data["q"]
            matches = (
                Q(reference__icontains=term)
                | Q(group_name__icontains=term)
                | Q(client__name__icontains=term)
                | Q(client__email__icontains=term)
                | Q(client__contacts__email__icontains=term)
            )
            # A client with several matching contacts would list the quotation once per contact.
            quotations = quotations.filter(pk__in=quotations.filter(matches).values("pk"))
    page = Paginator(quotations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "quotations/staff/home.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def staff_quotation_create(request: HttpRequest) -> HttpResponse:
    form = QuotationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quotation = quotation_create(
                client=data["client"],
                owner=request.user,
                group_name=data["group_name"],
                arrival=data["arrival"],
                departure=data["departure"],
                pax=data["pax"],
                rooms=form.room_mix(),
                stays=data["stays"],
                meal_plan=data["meal_plan"],
                currency=data["currency"],
                margin_percent=data["margin_percent"],
                notes=data["notes"],
                by=request.user,
                free_place_every=data.get("free_place_every") or 0,
            )
        except QuotationError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("Quotation %(reference)s created.") % {"reference": quotation.reference})
            return redirect("staff:quotation", pk=quotation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "quotations/staff/create.html", {"form": form}, status=status)


def _hotels_of_the_original(quotation) -> list[int]:
    """A duplicated draft offers the hotels its original invited, preselected on the invite form."""
    if quotation.status != QuotationStatus.DRAFT:
        return []
    copied = QuotationLog.objects.filter(quotation=quotation, action="quotation.duplicated").first()
    if copied is None:
        return []
    invited = HotelInvitation.objects.filter(quotation_id=copied.data.get("source"))
    return list(invited.values_list("hotel_id", flat=True))


def _detail(request: HttpRequest, quotation, status: int = 200, **bound_forms) -> HttpResponse:
    presented = present_quotation_for_staff(viewer=request.viewer, quotation=quotation, on=timezone.localdate())
    now = timezone.now()
    # A deadline stored beyond what the forms accept today is not suggested back.
    deadline = quotation.bid_deadline
    if deadline is None or not now < deadline <= bid_deadline_latest(now=now):
        deadline = None
    suggested_deadline = timezone.localtime(deadline or now + DEFAULT_BID_WINDOW).replace(second=0, microsecond=0)
    pricing = presented.pricing
    suggested_validity = timezone.localdate() + DEFAULT_QUOTE_VALIDITY
    if pricing:
        suggested_validity = min(suggested_validity, pricing.bids_valid_until)
    forms = {
        "invite_form": InviteHotelsForm(
            quotation=quotation,
            initial={"bid_deadline": suggested_deadline, "hotels": _hotels_of_the_original(quotation)},
        ),
        "duplicate_form": DuplicateForm(prefix="duplicate"),
        "extend_form": ExtendDeadlineForm(
            prefix="extend", initial={"bid_deadline": suggested_deadline + datetime.timedelta(days=2)}
        ),
        "extra_form": ExtraForm(),
        "price_form": PriceForm(
            comparison=presented.comparison,
            show_margin=request.viewer.sees_margin,
            initial={"margin_percent": quotation.margin_percent},
        ),
        "send_form": SendForm(initial={"valid_until": suggested_validity}),
        "cancel_form": CancelForm(),
        "message_form": StaffMessageForm(quotation=quotation),
    }
    forms.update(bound_forms)
    allowed = actions_allowed(quotation.status)
    context = {
        "quotation": presented,
        "timeline": present_timeline_for_staff(viewer=request.viewer, quotation=quotation),
        "room": {
            "quotation_id": quotation.pk,
            "messages": present_messages(viewer=request.viewer, quotation_id=quotation.pk),
            "form": forms.pop("message_form"),
            "action": reverse("staff:message", kwargs={"pk": quotation.pk}),
        },
        # Each button shows where the table of actions allows its verb.
        "can": {
            "invite": Action.INVITE in allowed,
            "close": Action.CLOSE_BIDDING in allowed,
            "extend": Action.EXTEND_DEADLINE in allowed,
            "extras": Action.EDIT_EXTRAS in allowed,
            "price": Action.PRICE in allowed,
            "send": Action.SEND in allowed and pricing is not None,
            "cancel": Action.CANCEL in allowed,
        },
        **forms,
    }
    return render(request, "quotations/staff/quotation.html", context, status=status)


@require_GET
@staff_required
def staff_quotation(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, quotation_get_visible(viewer=request.viewer, pk=pk))


def _act(request: HttpRequest, quotation, form, form_name: str, call, success: str) -> HttpResponse:
    """Validate the action's form, call the service, report; the page again on error."""
    done = form_submit(
        request, form, call, success=success, redirect_to=reverse("staff:quotation", kwargs={"pk": quotation.pk})
    )
    return done or _detail(request, quotation, status=400, **{form_name: form})


def _back(pk: int) -> str:
    return reverse("staff:quotation", kwargs={"pk": pk})


@require_POST
@staff_required
def staff_invite(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    created = []

    def invite(data):
        created.extend(
            quotation_invite_hotels(
                quotation=quotation, hotels=list(data["hotels"]), by=request.user, bid_deadline=data["bid_deadline"]
            )
        )

    form = InviteHotelsForm(request.POST, quotation=quotation)
    done = form_submit(request, form, invite, success=None, redirect_to=_back(pk))
    if done is None:
        return _detail(request, quotation, status=400, invite_form=form)
    messages.success(
        request,
        ngettext("%(count)d hotel invited.", "%(count)d hotels invited.", len(created)) % {"count": len(created)},
    )
    return done


@require_http_methods(["GET", "POST"])
@staff_required
def staff_close_bidding(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what closing means, and the button that does it; POST: close."""
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    if request.method == "GET":
        if not action_allowed(Action.CLOSE_BIDDING, quotation.status):
            return redirect(_back(pk))
        bids = quotation.invitations.filter(status=InvitationStatus.BID).count()
        waiting = quotation.invitations.filter(status__in=(InvitationStatus.INVITED, InvitationStatus.VIEWED)).count()
        return confirmation_render(
            request,
            Confirmation(
                title=_("Close bidding on %(reference)s now?") % {"reference": quotation.reference},
                consequences=(
                    _("Hotels can no longer bid, revise or withdraw their bids, even before the deadline."),
                    ngettext("%(count)d hotel has bid.", "%(count)d hotels have bid.", bids) % {"count": bids},
                    ngettext(
                        "%(count)d invited hotel has not bid and will not be able to.",
                        "%(count)d invited hotels have not bid and will not be able to.",
                        waiting,
                    )
                    % {"count": waiting},
                    _("To take bids again you would have to move the deadline, which reopens the bidding."),
                ),
                action=reverse("staff:close_bidding", kwargs={"pk": pk}),
                confirm_label=_("Close bidding now"),
                cancel_url=_back(pk),
                danger=True,
            ),
        )
    return action_submit(
        request,
        lambda: quotation_close_bidding(quotation=quotation, by=request.user),
        success=_("Bidding is closed."),
        redirect_to=_back(pk),
    )


@require_POST
@staff_required
def staff_extend_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    return _act(
        request,
        quotation,
        ExtendDeadlineForm(request.POST, prefix="extend"),
        "extend_form",
        lambda data: quotation_extend_deadline(quotation=quotation, bid_deadline=data["bid_deadline"], by=request.user),
        _("The bid deadline was moved."),
    )


@require_POST
@staff_required
def staff_extra_add(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    return _act(
        request,
        quotation,
        ExtraForm(request.POST),
        "extra_form",
        lambda data: quotation_extra_add(quotation=quotation, by=request.user, **data),
        _("Extra added."),
    )


@require_POST
@staff_required
def staff_extra_remove(request: HttpRequest, pk: int, extra_id: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    extra = get_object_or_404(QuotationExtra, pk=extra_id, quotation=quotation)
    return action_submit(
        request,
        lambda: quotation_extra_remove(extra=extra, by=request.user),
        success=_("Extra removed."),
        redirect_to=_back(pk),
    )


def _price_form(request: HttpRequest, quotation, data) -> PriceForm:
    presented = present_quotation_for_staff(viewer=request.viewer, quotation=quotation, on=timezone.localdate())
    return PriceForm(data, comparison=presented.comparison, show_margin=request.viewer.sees_margin)


@require_POST
@staff_required
def staff_price(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = _price_form(request, quotation, request.POST)
    priced = []

    def price(data):
        priced.append(
            quotation_price(
                quotation=quotation,
                by=request.user,
                margin_percent=data.get("margin_percent"),
                overrides=form.overrides(),
            )
        )

    done = form_submit(request, form, price, success=None, redirect_to=_back(pk))
    if done is None:
        return _detail(request, quotation, status=400, price_form=form)
    messages.success(
        request,
        _("Quote priced at %(total)s for the group.")
        % {"total": money_format(priced[0].price_total, priced[0].currency)},
    )
    return done


@require_GET
@staff_required
def staff_price_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment that prices the quote without saving, as staff change the form."""
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = _price_form(request, quotation, request.GET)
    preview, error = None, None
    if form.is_valid():
        try:
            result = quotation_price_preview(
                quotation=quotation,
                margin_percent=form.cleaned_data.get("margin_percent"),
                overrides=form.overrides(),
            )
            preview = present_price_preview_for_staff(viewer=request.viewer, result=result)
        except QuotationError as refused:
            error = str(refused)
    else:
        error = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
    return render(request, "quotations/staff/_price_preview.html", {"preview": preview, "error": error})


def _send_confirmation(request: HttpRequest, quotation, valid_until: datetime.date) -> HttpResponse:
    presented = present_quotation_for_staff(viewer=request.viewer, quotation=quotation, on=timezone.localdate())
    pricing = presented.pricing
    effective = min(valid_until, pricing.bids_valid_until)
    contacts = quotation.client.contacts.filter(is_active=True).count()
    return confirmation_render(
        request,
        Confirmation(
            title=_("Send %(reference)s to %(client)s?")
            % {"reference": quotation.reference, "client": presented.client.name},
            consequences=(
                ngettext(
                    "%(count)d contact of the client sees the quote on its pages and may approve it at once.",
                    "%(count)d contacts of the client see the quote on their pages and may approve it at once.",
                    contacts,
                )
                % {"count": contacts},
                _("Total for the group: %(total)s; on average %(average)s per paying traveller.")
                % {
                    "total": money_format(pricing.price_total, pricing.currency),
                    "average": money_format(pricing.price_per_person, pricing.currency),
                },
                _("Valid until %(date)s.") % {"date": day_format(effective)},
                _("The margin, the extras and the chosen hotels cannot change any more unless the client asks."),
            ),
            action=reverse("staff:send", kwargs={"pk": quotation.pk}),
            confirm_label=_("Send the quote"),
            cancel_url=_back(quotation.pk),
            hidden=(("valid_until", valid_until.isoformat()),),
            extra_links=(
                (_("See what the client will see"), reverse("staff:client_preview", kwargs={"pk": quotation.pk})),
            ),
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_required
def staff_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: validate the date and confirm what sending means; POST: send."""
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    if request.method == "GET":
        form = SendForm(request.GET)
        if not action_allowed(Action.SEND, quotation.status):
            return redirect(_back(pk))
        if not form.is_valid():
            return _detail(request, quotation, status=400, send_form=form)
        if not quotation.pricings.filter(is_current=True).exists():
            form.add_error(None, _("Price the quote before sending it."))
            return _detail(request, quotation, status=400, send_form=form)
        return _send_confirmation(request, quotation, form.cleaned_data["valid_until"])
    return _act(
        request,
        quotation,
        SendForm(request.POST),
        "send_form",
        lambda data: quotation_send(quotation=quotation, valid_until=data["valid_until"], by=request.user),
        _("The quote was sent to the client."),
    )


@require_POST
@staff_required
def staff_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    return _act(
        request,
        quotation,
        CancelForm(request.POST),
        "cancel_form",
        lambda data: quotation_cancel(quotation=quotation, reason=data["reason"], by=request.user),
        _("The quotation was cancelled."),
    )


@require_POST
@staff_required
def staff_message(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    return _act(
        request,
        quotation,
        StaffMessageForm(request.POST, quotation=quotation),
        "message_form",
        lambda data: message_post(
            quotation=quotation,
            author=request.user,
            body=data["body"],
            audience=data["audience"],
            hotel=data["hotel"],
        ),
        _("Message sent."),
    )


@require_GET
@staff_required
def staff_client_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's page of this quote as the client will see it, with no client action."""
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = SendForm(request.GET)
    valid_until = form.cleaned_data["valid_until"] if form.is_valid() else timezone.localdate() + DEFAULT_QUOTE_VALIDITY
    try:
        presented = present_quotation_preview_for_staff(
            viewer=request.viewer, quotation=quotation, valid_until=valid_until
        )
    except QuotationError as refused:
        messages.error(request, str(refused))
        return redirect(_back(pk))
    context = {"quotation": presented, "can_answer": False, "preview": True, "back": _back(pk)}
    return render(request, "quotations/staff/client_preview.html", context)


# --- One invited hotel ----------------------------------------------------------------------


def _invitation(request: HttpRequest, pk: int, invitation_id: int) -> tuple:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    invitations = HotelInvitation.objects.select_related("hotel")
    invitation = get_object_or_404(invitations, pk=invitation_id, quotation=quotation)
    return quotation, invitation


@require_POST
@staff_required
def staff_invitation_resend(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    _quotation, invitation = _invitation(request, pk, invitation_id)
    return action_submit(
        request,
        lambda: invitation_resend(invitation=invitation, by=request.user),
        success=_("The invitation was emailed again to %(hotel)s.") % {"hotel": invitation.hotel.name},
        redirect_to=_back(pk),
    )


@require_POST
@staff_required
def staff_invitation_remind(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    _quotation, invitation = _invitation(request, pk, invitation_id)
    return action_submit(
        request,
        lambda: invitation_remind(invitation=invitation, by=request.user),
        success=_("%(hotel)s was reminded of the bid deadline.") % {"hotel": invitation.hotel.name},
        redirect_to=_back(pk),
    )


@require_POST
@staff_required
def staff_invitation_withdraw(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    _quotation, invitation = _invitation(request, pk, invitation_id)
    form = WithdrawHotelForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: invitation_withdraw(invitation=invitation, reason=data["reason"], by=request.user),
        success=_("%(hotel)s was taken out of the bidding.") % {"hotel": invitation.hotel.name},
        redirect_to=_back(pk),
    )
    if done is not None:
        return done
    for error in [*form.non_field_errors(), *form.errors.get("reason", [])]:
        messages.error(request, f"{invitation.hotel.name}: {error}")
    return redirect(_back(pk))


@require_http_methods(["GET", "POST"])
@staff_required
def staff_invitation_bid(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    """Staff fill the hotel's own bid form for a bid received by phone or email."""
    quotation, invitation = _invitation(request, pk, invitation_id)
    presented = present_invitation_as_hotel_for_staff(viewer=request.viewer, invitation=invitation, now=timezone.now())
    if not presented.is_open:
        messages.error(request, _("%(hotel)s can no longer bid.") % {"hotel": invitation.hotel.name})
        return redirect(_back(pk))
    form = BidForm(request.POST or None, invitation=presented)
    if request.method == "POST":
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
            success=_("The bid of %(hotel)s was saved; the hotel sees it entered by our team and may revise it.")
            % {"hotel": invitation.hotel.name},
            redirect_to=_back(pk),
        )
        if done is not None:
            return done
    context = {"quotation": quotation, "invitation": presented, "invitation_id": invitation.pk, "bid_form": form}
    return render(request, "quotations/staff/bid.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@staff_required
def staff_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft of this trip for another arrival date; its page offers the same hotels."""
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = DuplicateForm(request.POST, prefix="duplicate")
    made = []
    done = form_submit(
        request,
        form,
        lambda data: made.append(quotation_duplicate(quotation=quotation, arrival=data["arrival"], by=request.user)),
        success=None,
        redirect_to=_back(pk),
    )
    if done is None:
        return _detail(request, quotation, status=400, duplicate_form=form)
    messages.success(
        request,
        _("%(reference)s is a copy of %(original)s for the new dates: invite the hotels to bid.")
        % {"reference": made[0].reference, "original": quotation.reference},
    )
    return redirect(_back(made[0].pk))
