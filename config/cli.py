"""`yuqing`: one entry point wrapping Django's management commands.

`yuqing migrate`, `yuqing runserver`, `yuqing demo`, ... behave exactly like `manage.py`.
`yuqing --help` lists yuqing's own commands with one-line descriptions first.
"""
from __future__ import annotations

import os
import sys

# yuqing's own commands live in the `response` app; Django's are listed after them.
PROJECT_APPS = ("response",)


def _print_help() -> None:
    from django.core.management import get_commands, load_command_class

    print("yuqing — 舆情监测与回应系统 (public-opinion monitoring and response)\n")
    print("用法 Usage: yuqing <command> [options]    (yuqing help <command> 查看详细参数)\n")
    print("yuqing 命令 Commands:")
    commands = get_commands()
    own = sorted(name for name, app in commands.items() if app in PROJECT_APPS)
    for name in own:
        try:
            text = load_command_class(commands[name], name).help.strip().splitlines()[0]
        except Exception as exc:  # a broken command must not hide the others
            text = f"(无法加载: {exc})"
        print(f"  {name:<18} {text}")
    print("\nDjango 命令 (常用): migrate, runserver, createsuperuser, shell, check, collectstatic")
    print("环境变量 Environment: DATABASE_URL (默认 SQLite), REDIS_URL (为空则任务在进程内执行)")


def _ensure_home() -> None:
    """YUQING_HOME holds the embedded database, models trained here and run state: created on
    first use, so a fresh `YUQING_HOME=/srv/yuqing yuqing migrate` works instead of failing with
    SQLite's "unable to open database file"."""
    from pathlib import Path

    from django.conf import settings

    home = Path(settings.YUQING_HOME)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        sys.exit(f"无法创建数据目录 {home}：{exc.strerror or exc}（请把 YUQING_HOME 设为可写的目录）")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    _ensure_home()
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        _print_help()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yuqing", *argv[1:]])


if __name__ == "__main__":
    main()
