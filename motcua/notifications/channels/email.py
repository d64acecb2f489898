"""Email through Django's configured backend (SMTP in production, console in the demo)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.mail import EmailMessage, get_connection

from .. import conf
from .base import ChannelAdapter, Outgoing


def message_id(key: str) -> str:
    """A Message-ID derived from the message's uuid: the same for every attempt, so mail
    servers and clients that dedupe on it show a retried message once."""
    host = urlsplit(conf.base_url()).hostname or "motcua.local"
    return f"<{key}@{host}>"


class EmailAdapter(ChannelAdapter):
    channel = "email"

    def send(self, message: Outgoing) -> str:
        mid = message_id(message.idempotency_key)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=conf.from_email(),
            to=[message.recipient],
            headers={"Message-ID": mid, "X-Motcua-Message": message.idempotency_key},
            connection=get_connection(fail_silently=False),
        )
        email.send()
        return mid
