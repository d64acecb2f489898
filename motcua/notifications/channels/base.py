"""The channel adapter interface.

An adapter sends one outgoing message and returns the provider's id for it. It receives the
message's unique id as an idempotency key: a provider that honours client references (SMS
gateways, email APIs) then delivers a retried message once. Adapters raise `PermanentError` for
failures a retry cannot fix (an invalid number); any other exception is retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass


class PermanentError(Exception):
    """A failure a retry cannot fix: the message goes straight to `dead`."""


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str  # the Message's uuid, stable across retries
    recipient: str  # an email address or a phone number
    subject: str
    body: str


class ChannelAdapter:
    channel: str = ""

    def send(self, message: Outgoing) -> str:
        """Deliver `message`; return the provider's id. Must be safe to call again with the same
        idempotency key after a crash (dedupe on it, or pass it to the provider)."""
        raise NotImplementedError
