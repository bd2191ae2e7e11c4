import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from accounts.models import Role, User


@pytest.mark.django_db
def test_login_is_by_email_case_insensitively_stored():
    user = User.objects.create_user("Ana.Garcia@Example.COM", "s3cret-pass-42", full_name="Ana García")
    assert user.email == "ana.garcia@example.com"
    assert authenticate(username="ana.garcia@example.com", password="s3cret-pass-42") == user
    assert authenticate(username="ana.garcia@example.com", password="wrong") is None


@pytest.mark.django_db
def test_superuser_is_level_ten_staff():
    boss = User.objects.create_superuser("direccion@spirittours.example", "s3cret-pass-42", full_name="Dirección")
    assert (boss.role, boss.staff_level, boss.is_staff, boss.is_superuser) == (Role.STAFF, 10, True, True)


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["600111222", "+0034600111222", "+34 600 111 222", "+34-600", "+1234567890123456"])
def test_phone_must_be_e164(phone):
    user = ClientContactFactory.build(phone=phone)
    with pytest.raises(ValidationError) as invalid:
        user.full_clean()
    assert "phone" in invalid.value.message_dict


@pytest.mark.django_db
def test_phone_is_unique_but_optional():
    StaffFactory(phone="+34600111222")
    ClientContactFactory(phone=None)
    ClientContactFactory(phone=None)
    with pytest.raises(IntegrityError):
        HotelUserFactory(phone="+34600111222")


@pytest.mark.django_db
def test_staff_level_belongs_to_staff_only():
    with pytest.raises(IntegrityError):
        ClientContactFactory(staff_level=3)


@pytest.mark.django_db
def test_staff_level_out_of_range_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        StaffFactory(staff_level=11)


@pytest.mark.django_db
def test_admin_access_is_for_staff_only():
    with pytest.raises(IntegrityError):
        HotelUserFactory(is_staff=True)
