"""Sign-up and sign-in forms: Django's own, with Vietnamese labels and messages, and phone
numbers accepted as user names (typed as people write them: spaces, +84)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.dossiers import identity

User = get_user_model()

# Digits with the separators people type ("0912 345 678", "+84 912.345.678"): a phone number.
PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 .\-()]{7,20}$")


def is_phone_like(value: str) -> bool:
    return bool(PHONE_LIKE.match((value or "").strip()))


def normalize_login(value: str) -> str:
    """The user name as stored: a phone number in its national form (0…), anything else as typed."""
    value = (value or "").strip()
    return identity.normalize_phone(value) if is_phone_like(value) else value


class SignUpForm(UserCreationForm):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    error_messages = {"password_mismatch": _("Hai mật khẩu đã nhập không giống nhau.")}
    field_order = ["full_name", "username", "email", "password1", "password2"]

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        username = self.fields["username"]
        username.label = _("Tên đăng nhập hoặc số điện thoại")
        username.help_text = _(
            "Số điện thoại di động, hoặc tên đăng nhập gồm chữ, số và các ký tự @ . + - _."
        )
        username.widget.attrs.update(autocomplete="username", autocapitalize="none")
        username.widget.attrs.pop("autofocus", None)
        email = self.fields["email"]
        email.label = _("Thư điện tử")
        email.required = False
        email.help_text = _("Không bắt buộc; dùng để nhận thông báo về hồ sơ.")
        email.widget.attrs["autocomplete"] = "email"
        self.fields["password1"].label = _("Mật khẩu")
        self.fields["password2"].label = _("Nhập lại mật khẩu")
        self.fields["password2"].help_text = _("Nhập lại đúng mật khẩu ở trên để xác nhận.")

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_username(self) -> str:
        value = (self.cleaned_data.get("username") or "").strip()
        if is_phone_like(value):
            try:
                value = identity.parse_phone(value).number
            except ValidationError as exc:
                raise ValidationError(exc.messages[0], code="invalid_phone") from None
        if User.objects.filter(username__iexact=value).exists():
            raise ValidationError(
                _("Tên đăng nhập hoặc số điện thoại này đã được đăng ký."), code="unique"
            )
        return value

    def save(self, commit=True):
        user = super().save(commit=False)
        # Vietnamese order: the last word is the given name (first_name), the rest the family
        # and middle names (last_name) — as agencies.selectors.full_name reads them back.
        *family, given = self.cleaned_data["full_name"].split()
        user.first_name, user.last_name = given[:150], " ".join(family)[:150]
        if commit:
            user.save()
        return user


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["username"].label = _("Tên đăng nhập hoặc số điện thoại")
        self.fields["username"].widget.attrs.update(autocapitalize="none")
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].label = _("Mật khẩu")

    def clean_username(self) -> str:
        return normalize_login(self.cleaned_data.get("username"))
