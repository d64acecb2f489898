"""Signals of the dossiers app.

`event_appended` is sent by `services.append_event` right after an event is written, inside the
action's transaction and with the dossier row locked. Receivers (the notifications outbox, the
metrics roll-ups) write in that same transaction, so an event and what it causes commit or roll
back together. A receiver that raises aborts the action: keep receivers small and correct.

Arguments: sender=Event, event (the saved Event), dossier (the Dossier, already saved with its
new state and version: read it, never save it from a receiver).
"""

from django.dispatch import Signal

event_appended = Signal()
