from django import template
from django.conf import settings
from django.contrib import messages

register = template.Library()


@register.inclusion_tag("sso/sign_on.html", takes_context=True)
def sign_on_options(context):
    """On the login page: why the last sign-on was refused, and the "Sign in with ..." button."""
    from jifen.accounts.sso.oidc import provider_name

    request = context.get("request")
    enabled = settings.JIFEN_OIDC_ENABLED
    return {
        "oidc": enabled,
        "provider": provider_name() if enabled else "",
        "next": context.get("next") or "",
        "messages": messages.get_messages(request) if request is not None else [],
    }
