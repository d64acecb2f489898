from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "motcua.metrics"
    label = "metrics"
    verbose_name = "Chỉ số và thống kê"

    def ready(self):
        from motcua.dossiers.signals import event_appended

        from .rollups import on_event_appended

        # Same transaction as the action (see dossiers.signals): no lost or phantom counts.
        event_appended.connect(on_event_appended, dispatch_uid="metrics.rollups")
