"""Staff roles as Django groups: one group per role, with the model permissions of the role.

What a person may do = the permissions of their role groups (what) × their agency scope
(where, selectors.agency_scope). Groups are kept by code: ensure_role_groups() runs after every
migrate and resets each role group's permissions to the set below, so edit this module rather
than the groups in the admin.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

from .models import Role

# Group names are stored data, not UI strings: they must not vary with the active language.
ROLE_GROUPS: dict[str, str] = {
    Role.RECEPTIONIST: "Cán bộ tiếp nhận",
    Role.SPECIALIST: "Chuyên viên",
    Role.LEADER: "Lãnh đạo",
    Role.MANAGER: "Quản lý, giám sát",
    Role.ADMINISTRATOR: "Quản trị",
}

# Roles that work in the admin site (is_staff); the others work in the back office.
ADMIN_SITE_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})

# Apps whose configuration an administrator maintains (all model permissions). Apps without
# models yet simply contribute no permissions.
ADMINISTERED_APPS = ("agencies", "worktime", "catalog")
# Administrators create staff accounts and assign roles; deleting accounts is left to
# superusers (deactivate instead, so that history keeps its officers).
ADMINISTRATOR_USER_PERMISSIONS = ("view_user", "add_user", "change_user")


def project_app_labels() -> list[str]:
    """Labels of Mộtcửa's own apps, looked up at run time so that new apps are covered."""
    return sorted(c.label for c in apps.get_app_configs() if c.name.startswith("motcua."))


def role_permissions(role: str, using: str = DEFAULT_DB_ALIAS) -> list[Permission]:
    project_views = Q(
        content_type__app_label__in=project_app_labels(), codename__startswith="view_"
    )
    if role == Role.ADMINISTRATOR:
        # Full rights on what they administer; view rights on the rest of the project, so they
        # see what they administer in context; staff accounts.
        wanted = (
            Q(content_type__app_label__in=ADMINISTERED_APPS)
            | project_views
            | Q(content_type__app_label="auth", codename__in=ADMINISTRATOR_USER_PERMISSIONS)
        )
    elif role == Role.MANAGER:
        wanted = project_views | Q(content_type__app_label="auth", codename="view_user")
    elif role in ROLE_GROUPS:
        wanted = Q(content_type__app_label="agencies", codename__startswith="view_")
    else:
        raise ValueError(f"Unknown role: {role!r}")
    return list(Permission.objects.using(using).filter(wanted))


def ensure_role_groups(using: str = DEFAULT_DB_ALIAS) -> dict[str, Group]:
    """Create the role groups if missing and set their permissions; idempotent."""
    groups = {}
    for role, name in ROLE_GROUPS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(role_permissions(role, using))
        groups[role] = group
    return groups


def role_group(role: str) -> Group:
    """The group of a role (created, with the others, if the database has none yet)."""
    if role not in ROLE_GROUPS:
        raise ValueError(f"Unknown role: {role!r}")
    group = Group.objects.filter(name=ROLE_GROUPS[role]).first()
    return group or ensure_role_groups()[role]


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # post_migrate is sent once per app; the permissions of an app exist only after its own
    # signal (django.contrib.auth creates them), so re-run for each of our apps: the last run
    # sees every permission.
    if sender.name.startswith("motcua."):
        ensure_role_groups(using)
