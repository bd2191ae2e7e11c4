from django.urls import path

from bookings import views

client_urlpatterns = [
    path("", views.client_booking_list, name="home"),
    path("<int:pk>/", views.client_booking, name="booking"),
    path("quotation/<int:pk>/", views.client_booking_for_quotation, name="for_quotation"),
]

staff_urlpatterns = [
    path("", views.staff_booking_list, name="home"),
    path("<int:pk>/", views.staff_booking, name="booking"),
]
