"""Adapters for the failure tests: real adapter classes, chosen by MOTCUA_SMS_ADAPTER."""

from motcua.notifications.channels.base import ChannelAdapter, PermanentError


class BrokenSmsAdapter(ChannelAdapter):
    """A provider that is down: every call fails (temporarily)."""

    channel = "sms"

    def send(self, message):
        raise ConnectionError("gateway unreachable")


class RejectingSmsAdapter(ChannelAdapter):
    """A provider that refuses the number: a retry cannot help."""

    channel = "sms"

    def send(self, message):
        raise PermanentError("invalid number")
