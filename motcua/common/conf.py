"""Apps' own settings: a Django setting, else the environment variable of the same name.

Read at each call (not at import) so that a test's or an operator's override applies at once.
An empty value counts as unset, so `FOO=` in an environment file falls back to the default.
"""

import os

from django.conf import settings


def setting(name: str, default=None):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None or value == "" else value
