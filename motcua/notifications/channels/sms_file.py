"""SMS to a JSON-lines file (the demo and the tests): the "provider" a test can read back.

It behaves like a provider that honours client references: a message whose idempotency key is
already in the file is not written again, so a retry after a crash between "written" and
"marked sent" still yields one SMS. The file is locked (flock) while checked and appended, so
two workers cannot both write the same key.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from .. import conf
from .base import ChannelAdapter, Outgoing, PermanentError


def read_lines(path: Path) -> list[dict]:
    """The SMS written so far (for tests and the demo)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class FileSmsAdapter(ChannelAdapter):
    channel = "sms"

    def __init__(
        self, path: Path | None = None, delay: float | None = None, delay_after: float | None = None
    ):
        self.path = Path(path) if path is not None else conf.sms_file()
        self.delay = conf.sms_delay() if delay is None else delay
        self.delay_after = conf.sms_delay_after() if delay_after is None else delay_after

    def send(self, message: Outgoing) -> str:
        if not message.recipient.strip():
            raise PermanentError("no phone number")
        if self.delay:
            time.sleep(self.delay)  # the "provider call" in flight (kill test)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        provider_id = f"file:{message.idempotency_key}"
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                for line in handle:
                    if line.strip() and json.loads(line).get("id") == message.idempotency_key:
                        return provider_id  # already delivered: idempotent
                record = {
                    "id": message.idempotency_key,
                    "to": message.recipient,
                    "text": message.body,
                    "at": datetime.now(UTC).isoformat(),
                }
                handle.seek(0, os.SEEK_END)
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        if self.delay_after:
            time.sleep(self.delay_after)  # accepted, not yet acknowledged (kill test)
        return provider_id
