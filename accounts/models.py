from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

E164_VALIDATOR = RegexValidator(
    regex=r"^\+[1-9]\d{6,14}$",
    message=_("Enter the phone number in international format, for example +34600111222."),
)


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    CLIENT = "client", _("Client contact")
    HOTEL = "hotel", _("Hotel user")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        extra.setdefault("staff_level", 10)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who logs in: staff, client contacts and hotel users.

    `is_staff` is Django's admin access and only staff may hold it;
    `staff_level` (1-10) is the business permission level of a staff member.
    """

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CLIENT)
    staff_level = models.PositiveSmallIntegerField(
        _("staff permission level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("From 1 (sales agent) to 10 (director); staff only."),
    )
    phone = models.CharField(
        _("phone (E.164)"), max_length=16, unique=True, null=True, blank=True, validators=[E164_VALIDATOR]
    )
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="user_staff_level_only_for_staff",
                violation_error_message=_("Staff need a permission level from 1 to 10; other users have none."),
                condition=(
                    models.Q(role=Role.STAFF, staff_level__gte=1, staff_level__lte=10)
                    | (~models.Q(role=Role.STAFF) & models.Q(staff_level__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="user_admin_access_only_for_staff",
                violation_error_message=_("Only staff may have admin access."),
                condition=models.Q(is_staff=False) | models.Q(role=Role.STAFF),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.phone == "":
            self.phone = None

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff_member(self) -> bool:
        return self.role == Role.STAFF and self.is_active
