"""The rule modules are pure: these tests need no database.

Under pytest-django the project's test settings apply. With `-p no:django` minimal settings are
configured here, with translation off so that lazy messages read as their Vietnamese msgids.
"""

from django.conf import settings

if not settings.configured:
    settings.configure(USE_I18N=False, USE_TZ=True, TIME_ZONE="Asia/Ho_Chi_Minh")
