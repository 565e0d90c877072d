"""`trekkportal <command>`: the same as `python manage.py <command>`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["trekkportal", *sys.argv[1:]])


if __name__ == "__main__":
    main()
