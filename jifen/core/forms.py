from django import forms

from jifen.core.errors import ApplicationError


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the form field it concerns, or on the form as a whole."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
