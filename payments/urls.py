from django.urls import path

from payments import views

# Receipts and credit notes: the booking's client contacts and staff alike.
_documents = [
    path("bookings/<int:pk>/receipts/<int:payment_id>.pdf", views.receipt_download, name="receipt"),
    path("bookings/<int:pk>/credit-notes/<int:refund_id>.pdf", views.credit_note_download, name="credit_note"),
]

staff_urlpatterns = [
    path("bookings/<int:pk>/transfer/", views.staff_transfer_record, name="transfer_record"),
    path("bookings/<int:pk>/payments/<int:payment_id>/confirm/", views.staff_payment_confirm, name="payment_confirm"),
    path("bookings/<int:pk>/payments/<int:payment_id>/cancel/", views.staff_payment_cancel, name="payment_cancel"),
    path("bookings/<int:pk>/refund/", views.staff_refund, name="refund"),
    *_documents,
]

client_urlpatterns = [
    path("bookings/<int:pk>/installments/<int:installment_id>/announce/", views.client_announce, name="announce"),
    path("bookings/<int:pk>/installments/<int:installment_id>/checkout/", views.client_checkout, name="checkout"),
    path(
        "bookings/<int:pk>/travellers/<int:traveller_id>/link/",
        views.client_traveller_link,
        name="traveller_link",
    ),
    *_documents,
]

# A traveller's own page: no login, the signed link is the key.
pay_urlpatterns = [
    path("<str:token>/", views.traveller_page, name="traveller"),
    path("<str:token>/installments/<int:installment_id>/announce/", views.traveller_announce, name="announce"),
    path("<str:token>/installments/<int:installment_id>/checkout/", views.traveller_checkout, name="checkout"),
    # Where a gateway sends the payer back: the signed token names the payment.
    path("return/<str:token>/", views.payment_return, name="return"),
]

# Gateway notifications: no session, no CSRF token; each is verified by its provider's signature.
# Stripe's arrive at dj-stripe's endpoint (/stripe/webhook/<uuid>/) and reach the same ledger.
webhook_urlpatterns = [
    path("mercadopago/", views.webhook_mercadopago, name="mercadopago"),
    path("payu/", views.webhook_payu, name="payu"),
]
