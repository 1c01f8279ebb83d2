from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.forms import LanguageForm, LoginForm
from jifen.accounts.services import user_set_language
from jifen.org.permissions import get_access
from jifen.org.selectors import person_detail


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def profile(request):
    access = get_access(request)
    person = person_detail(access=access, pk=access.person_id) if access.person_id else None
    password_form = PasswordChangeForm(request.user)
    if request.method == "POST":
        password_form = PasswordChangeForm(request.user, request.POST)
        if password_form.is_valid():
            user = password_form.save()
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:profile")
    return TemplateResponse(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "password_form": password_form,
            "roles": request.user.roles.select_related("scope").order_by("role"),
        },
    )


@require_POST
def set_language(request):
    """Switch language; remembered on the login (and in a cookie for the login page)."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        translation.activate(language)
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
                            samesite="Lax", secure=settings.LANGUAGE_COOKIE_SECURE)
    return response
