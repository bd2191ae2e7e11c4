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
]
