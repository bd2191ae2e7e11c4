from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from quotations.forms.fields import PK_RANGE, ModelMultipleChoiceField


class ReadOnlyMixin:
    """Shown to whoever may view the model; written only by the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _keys_only(field, values) -> list:
    """The posted values that could be keys of `field`'s target: no text, fractions or numbers beyond 64 bits."""
    target = field.remote_field.model._meta.get_field(field.remote_field.get_related_field().name)
    kept = []
    for value in values:
        try:
            key = target.to_python(value)
        except ValidationError:
            continue
        if not isinstance(key, int) or key in PK_RANGE:
            kept.append(value)
    return kept


class KeysOnlyAutocompleteSelect(AutocompleteSelect):
    """Django's widget looks the posted ids up to redraw a refused form, and a
    non-numeric one crashes that query: redraw only what could be a key."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _keys_only(self.field, value), attr)


class KeysOnlyAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _keys_only(self.field, value), attr)


class SafeRelatedFieldsMixin:
    """Related fields of an admin form: a posted id that no row could have is a
    field error, never a 500, whatever the database."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeysOnlyAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeysOnlyAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
