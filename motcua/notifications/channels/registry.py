"""Which adapter serves a channel (settings: MOTCUA_SMS_ADAPTER)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from .. import conf
from .base import ChannelAdapter
from .email import EmailAdapter
from .sms_console import ConsoleSmsAdapter
from .sms_file import FileSmsAdapter

SMS_ADAPTERS = {"file": FileSmsAdapter, "console": ConsoleSmsAdapter}


def get_adapter(channel: str) -> ChannelAdapter:
    if channel == "email":
        return EmailAdapter()
    if channel == "sms":
        name = conf.sms_adapter()
        cls = SMS_ADAPTERS.get(name) or import_string(name)
        return cls()
    raise ValueError(f"unknown channel {channel!r}")
