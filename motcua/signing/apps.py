import warnings

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "motcua.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self):
        # pyHanko imports cryptography's DSA module, deprecated there; we never use DSA.
        warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")
