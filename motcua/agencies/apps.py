from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "motcua.agencies"
    label = "agencies"
    verbose_name = _("Cơ quan, đơn vị")

    def ready(self):
        from .roles import on_post_migrate

        # Not limited to sender=self: later apps' permissions must reach the role groups too.
        post_migrate.connect(on_post_migrate, dispatch_uid="motcua.agencies.role_groups")
