from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"
    verbose_name = "Phí, lệ phí và thanh toán"

    def ready(self):
        from . import signals

        signals.connect()
