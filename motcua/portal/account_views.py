"""Accounts on the portal: sign up (/dang-ky/), sign in (/dang-nhap/), sign out (/dang-xuat/).

Sign-in failures are limited per client IP (`MOTCUA_LOGIN_PAGE_RATE`, default 10/min): past the
limit the page answers 429 without checking the password. Staff go to the back office after
signing in, citizens to their dossiers, unless `next` says otherwise. Extra identity providers
(a national OIDC login, later) are listed in `MOTCUA_LOGIN_PROVIDERS` and shown as buttons.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.views import LoginView, LogoutView, RedirectURLMixin
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from motcua.agencies.selectors import is_staff_member
from motcua.common.ratelimit import client_ip

from .account_forms import LoginForm, SignUpForm
from .ratelimit import login_failures

# The back office's address (motcua.backoffice, another part of the project).
STAFF_HOME = "/can-bo/"


def is_staff_user(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or is_staff_member(user)))


def home_for(user) -> str:
    return STAFF_HOME if is_staff_user(user) else reverse("portal:my-dossiers")


def login_providers() -> list[dict]:
    """Extra sign-in buttons from `settings.MOTCUA_LOGIN_PROVIDERS`: a list of
    `{"name": "vneid", "label": "Đăng nhập bằng VNeID", "url": "/oidc/vneid/login/"}`; the
    provider's view receives `?next=`. None are built in (docs/portal.md)."""
    providers = getattr(settings, "MOTCUA_LOGIN_PROVIDERS", None) or []
    return [p for p in providers if isinstance(p, dict) and p.get("url") and p.get("label")]


def limited(request, seconds: int):
    response = render(request, "registration/login_limited.html", {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class SignInView(LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"

    def post(self, request, *args, **kwargs):
        wait = login_failures.wait(client_ip(request))
        if wait is not None:
            return limited(request, wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Only a wrong name or password counts, not an empty field.
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            login_failures.fail(client_ip(self.request))
        return super().form_invalid(form)

    def get_default_redirect_url(self):
        return home_for(self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "providers": login_providers()}


class SignOutView(LogoutView):
    next_page = "portal:home"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Bạn đã đăng xuất."))
        return response


@method_decorator(
    [sensitive_post_parameters("password1", "password2"), csrf_protect, never_cache],
    name="dispatch",
)
class SignUpView(RedirectURLMixin, FormView):
    form_class = SignUpForm
    template_name = "registration/signup.html"
    redirect_field_name = REDIRECT_FIELD_NAME

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(home_for(request.user))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Đã tạo tài khoản. Bạn có thể nộp hồ sơ trực tuyến."))
        return redirect(self.get_success_url())

    def get_default_redirect_url(self):
        return reverse("portal:my-dossiers")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.redirect_field_name] = self.get_redirect_url()
        return context
