"""Client pages: the client's quotes, and approving, asking for changes or declining one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quotations.errors import QuotationError
from quotations.forms.client import DeclineQuoteForm, RequestChangesForm
from quotations.forms.room import MessageForm
from quotations.models import QuotationStatus
from quotations.privacy import (
    present_messages,
    present_quotation_for_client,
    present_quotation_list_for_client,
    quotation_get_visible,
)
from quotations.services import message_post, quotation_approve, quotation_decline, quotation_request_changes
from quotations.views.access import client_required
from spirittours.web import form_add_domain_error


@require_GET
@client_required
def client_home(request: HttpRequest) -> HttpResponse:
    quotations = present_quotation_list_for_client(viewer=request.viewer)
    return render(request, "quotations/client/home.html", {"quotations": quotations})


def _page(request, quotation, *, changes_form=None, decline_form=None, message_form=None, status=200) -> HttpResponse:
    presented = present_quotation_for_client(viewer=request.viewer, quotation=quotation)
    context = {
        "quotation": presented,
        "can_answer": presented["status"] == QuotationStatus.SENT,
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


@require_POST
@client_required
def client_approve(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    try:
        quotation_approve(quotation=quotation, by=request.user)
    except QuotationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you! Your quote is approved; we will be in touch about the payment."))
    return redirect("client:quotation", pk=pk)


@require_POST
@client_required
def client_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = RequestChangesForm(request.POST)
    if form.is_valid():
        try:
            quotation_request_changes(quotation=quotation, message=form.cleaned_data["message"], by=request.user)
        except QuotationError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("We received your request and will send you a revised quote."))
            return redirect("client:quotation", pk=pk)
    return _page(request, quotation, changes_form=form, status=400)


@require_POST
@client_required
def client_decline(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = DeclineQuoteForm(request.POST)
    if form.is_valid():
        try:
            quotation_decline(quotation=quotation, reason=form.cleaned_data["reason"], by=request.user)
        except QuotationError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("You declined this quote. Thank you for considering us."))
            return redirect("client:quotation", pk=pk)
    return _page(request, quotation, decline_form=form, status=400)


@require_POST
@client_required
def client_message(request: HttpRequest, pk: int) -> HttpResponse:
    quotation = quotation_get_visible(viewer=request.viewer, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message_post(quotation=quotation, author=request.user, body=form.cleaned_data["body"], audience="staff")
        except QuotationError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("Your message was sent to our team."))
            return redirect(reverse("client:quotation", kwargs={"pk": pk}) + "#room-messages")
    return _page(request, quotation, message_form=form, status=400)
