"""Signal receivers, connected in NotificationsConfig.ready()."""

from motcua.dossiers.signals import event_appended


def queue_notifications(sender, event, dossier, **kwargs):
    # Inside the action's transaction: the messages commit or roll back with the event.
    from .services import on_event

    on_event(event, dossier)


def connect() -> None:
    event_appended.connect(queue_notifications, dispatch_uid="notifications.queue")
