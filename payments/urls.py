from django.urls import path

from payments import views

staff_urlpatterns = [
    path("bookings/<int:pk>/transfer/", views.staff_transfer_record, name="transfer_record"),
]
