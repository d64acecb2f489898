"""Settings for pytest: the normal settings with the testing flag set before they load."""

import os

os.environ.setdefault("MOTCUA_TESTING", "1")
os.environ.setdefault(
    "MOTCUA_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test")
)

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
