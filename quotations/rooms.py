"""Room types as plain data, for the pure modules (the pricing) and the models alike.

Keys are the values of quotations.models.RoomType.
"""

# How many travellers one room of each type sleeps.
ROOM_OCCUPANCY: dict[str, int] = {"single": 1, "double": 2, "twin": 2, "triple": 3}
