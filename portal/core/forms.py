"""Showing a service's error on the form that asked for the change."""

from portal.core.errors import UserFacingError


def show_error(form, error: UserFacingError) -> None:
    """Put the error's message next to the field it names, or at the top of the form when it
    names none (or one this form does not have). An error carrying `errors` (a message per
    field, as InvalidInput and ApplicationIncomplete do) shows each of them."""
    messages = getattr(error, "errors", None) or {error.field: error.message}
    for name, message in messages.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
