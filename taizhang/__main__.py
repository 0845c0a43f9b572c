"""The `taizhang` console command: Django's management commands with the settings preset."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["taizhang", *sys.argv[1:]])


if __name__ == "__main__":
    main()
