"""SMS to the process's standard output (development): one line per message."""

from __future__ import annotations

import json
import sys

from .base import ChannelAdapter, Outgoing


class ConsoleSmsAdapter(ChannelAdapter):
    channel = "sms"

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: Outgoing) -> str:
        line = {"id": message.idempotency_key, "to": message.recipient, "text": message.body}
        self.stream.write("SMS " + json.dumps(line, ensure_ascii=False) + "\n")
        self.stream.flush()
        return f"console:{message.idempotency_key}"
