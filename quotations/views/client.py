"""Client pages: the client's quotes, and approving, asking for changes or declining one."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quotations.documents import cancellation_lines
from quotations.forms.client import DeclineQuoteForm, RequestChangesForm
from quotations.forms.room import MessageForm
from quotations.models import QuotationStatus
from quotations.privacy import (
    present_messages,
    present_quotation_for_client,
    present_quotation_list_for_client,
    quotation_get_visible,
)
from quotations.quote_pdf import cancellation_policy, quotation_pdf
from quotations.services import message_post, quotation_approve, quotation_decline, quotation_request_changes
from spirittours.access import client_required
from spirittours.web import action_submit, form_submit


@require_GET
@client_required
def client_home(request: HttpRequest) -> HttpResponse:
    quotations = present_quotation_list_for_client(viewer=request.viewer)
    return render(request, "quotations/client/home.html", {"quotations": quotations})


def _page(request, quotation, *, changes_form=None, decline_form=None, message_form=None, status=200) -> HttpResponse:
    presented = present_quotation_for_client(viewer=request.viewer, quotation=quotation)
    context = {
        "quotation": presented,
        "can_answer": presented.status == QuotationStatus.SENT,
        "cancellation_policy": cancellation_lines(cancellation_policy()),
        "changes_form": changes_form or RequestChangesForm(),
        "decline_form": decline_form or DeclineQuoteForm(),
        "room": {
            "quotation_id": quotation.pk,
            "messages": present_messages(viewer=request.viewer, quotation_id=quotation.pk),
            "form": message_form or MessageForm(),
            "action": reverse("client:message", kwargs={"pk": quotation.pk}),
        },
    }
    return render(request, "quotations/client/quotation.html", context, status=status)


@require_GET
@client_required
def client_quotation(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, quotation_get_visible(viewer=request.viewer, pk=pk))


@require_GET
@client_required
def client_quotation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    filename, content = quotation_pdf(quotation=quotation, language=translation.get_language() or "es")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@client_required
def client_approve(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    return action_submit(
        request,
        lambda: quotation_approve(quotation=quotation, by=request.user),
        success=_("Thank you! Your quote is approved and your booking is created: see how to pay below."),
        redirect_to=reverse("client:quotation", kwargs={"pk": pk}),
    )


@require_POST
@client_required
def client_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = RequestChangesForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: quotation_request_changes(quotation=quotation, message=data["message"], by=request.user),
        success=_("We received your request and will send you a revised quote."),
        redirect_to=reverse("client:quotation", kwargs={"pk": pk}),
    )
    return done or _page(request, quotation, changes_form=form, status=400)


@require_POST
@client_required
def client_decline(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = DeclineQuoteForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: quotation_decline(quotation=quotation, reason=data["reason"], by=request.user),
        success=_("You declined this quote. Thank you for considering us."),
        redirect_to=reverse("client:quotation", kwargs={"pk": pk}),
    )
    return done or _page(request, quotation, decline_form=form, status=400)


@require_POST
@client_required
def client_message(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = MessageForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: message_post(quotation=quotation, author=request.user, body=data["body"], audience="staff"),
        success=_("Your message was sent to our team."),
        redirect_to=reverse("client:quotation", kwargs={"pk": pk}) + "#room-messages",
    )
    return done or _page(request, quotation, message_form=form, status=400)
