"""Admin for the custom user (people log in with their email, there is no username) and for
the failed logins that lock an email out."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.services import login_attempts_clear


class UserRoleRulesMixin:
    """The model's check constraints on role, level and admin access, as field errors.

    The database would refuse these rows anyway; checking here turns a generic
    "constraint violated" message into one that says what to fix.
    """

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role", self.instance.role)
        level = cleaned.get("staff_level") if "staff_level" in self.fields else self.instance.staff_level
        if role == Role.STAFF and level is None and "staff_level" not in self.errors:
            self.add_error("staff_level", _("Staff members need a permission level from 1 to 10."))
        if role != Role.STAFF and level is not None:
            self.add_error("staff_level", _("Only staff members have a permission level."))
        if role != Role.STAFF and cleaned.get("is_staff"):
            self.add_error("is_staff", _("Only staff members can have admin access."))
        return cleaned


class UserAdminCreationForm(UserRoleRulesMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "staff_level", "phone", "language")


class UserAdminChangeForm(UserRoleRulesMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ("email", "full_name", "role", "staff_level", "phone", "language", "is_active", "is_staff")
    list_filter = ("role", "staff_level", "language", "is_active", "is_staff")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "language")}),
        (_("Role"), {"fields": ("role", "staff_level")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "staff_level",
                    "phone",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


# django-axes registers its own admin for failed logins on import; ours adds the verb staff need.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    """Failed logins per email and client address. A pair at the failure limit is locked out;
    unlocking deletes its row, so the next login starts counting from zero."""

    actions = [*AccessAttemptAdmin.actions, "unlock"]

    @admin.action(description=_("Unlock the selected logins"), permissions=["delete"])
    def unlock(self, request, queryset):
        self.log_deletions(request, list(queryset))
        count = login_attempts_clear(attempts=queryset)
        self.message_user(
            request,
            ngettext("%(count)d login unlocked.", "%(count)d logins unlocked.", count) % {"count": count},
            messages.SUCCESS,
        )
