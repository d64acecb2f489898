from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "motcua.metrics"
    label = "metrics"
    verbose_name = "Chỉ số và thống kê"
