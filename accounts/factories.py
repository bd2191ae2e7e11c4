import factory

from accounts.models import Language, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="es_ES")
    role = Role.CLIENT
    language = Language.SPANISH
    password = factory.django.Password("correct horse battery")

    class Meta:
        model = User
        skip_postgeneration_save = True


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@spirittours.example")
    role = Role.STAFF
    staff_level = 5
    is_staff = True


class ClientContactFactory(UserFactory):
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    role = Role.CLIENT


class HotelUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"reservas{n}@hotel.example")
    role = Role.HOTEL
