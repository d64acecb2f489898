"""The `motcua` console script: Django's management commands, with hyphenated names allowed.

`motcua load-units` runs the `load_units` command; `motcua serve` and `motcua worker` are
conveniences for the demo and for production.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    # Command names: `load-units` is Django's `load_units` (also after `help`).
    name_at = 2 if len(argv) > 2 and argv[1] == "help" else 1
    if len(argv) > name_at and not argv[name_at].startswith("-"):
        argv[name_at] = argv[name_at].replace("-", "_")
    if len(argv) > 1 and argv[1] == "worker":
        from motcua.celery import app

        app.worker_main(["worker", "--loglevel=INFO", *argv[2:]])
        return 0
    from django.core.management import execute_from_command_line

    argv[0] = "motcua"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
