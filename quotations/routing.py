from django.urls import path

from quotations.consumers import QuotationRoomConsumer

websocket_urlpatterns = [
    path("ws/quotations/<int:quotation_id>/", QuotationRoomConsumer.as_asgi()),
]
