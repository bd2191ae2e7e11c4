from django.urls import path

from bookings import views, views_hotels

# The manifest and rooming list: the same verbs for the group's contacts and for staff.
_manifest = [
    path("<int:pk>/travellers/add/", views.booking_traveller_add, name="traveller_add"),
    path("<int:pk>/travellers/import/", views.booking_travellers_import, name="travellers_import"),
    path("<int:pk>/travellers/<int:traveller_id>/remove/", views.booking_traveller_remove, name="traveller_remove"),
    path("<int:pk>/rooming/", views.booking_rooming_save, name="rooming_save"),
    path("<int:pk>/cancel/", views.booking_cancel_confirm, name="cancel"),
    path("<int:pk>/travellers/<int:traveller_id>/cancel/", views.booking_traveller_cancel, name="traveller_cancel"),
]

client_urlpatterns = [
    path("", views.client_booking_list, name="home"),
    path("<int:pk>/", views.client_booking, name="booking"),
    path("quotation/<int:pk>/", views.client_booking_for_quotation, name="for_quotation"),
    *_manifest,
]

staff_urlpatterns = [
    path("", views.staff_booking_list, name="home"),
    path("<int:pk>/", views.staff_booking, name="booking"),
    path("quotation/<int:pk>/", views.staff_booking_for_quotation, name="for_quotation"),
    path("<int:pk>/rooming/send/", views_hotels.staff_rooming_send, name="rooming_send"),
    path("<int:pk>/guide/", views_hotels.staff_guide_assign, name="guide_assign"),
    path("<int:pk>/schedule/", views_hotels.staff_schedule_change, name="schedule_change"),
    path(
        "<int:pk>/rooming/<int:hotel_pk>.<slug:extension>",
        views_hotels.staff_rooming_export,
        name="rooming_export",
    ),
    *_manifest,
]

portal_urlpatterns = [
    path("", views_hotels.portal_booking_list, name="home"),
    path("<int:pk>/", views_hotels.portal_booking, name="booking"),
    path("<int:pk>/rooming.<slug:extension>", views_hotels.portal_rooming_export, name="rooming_export"),
]

# The guide's trip page: no login, the signed link is the key.
guide_urlpatterns = [
    path("<str:token>/", views_hotels.guide_trip, name="trip"),
]
