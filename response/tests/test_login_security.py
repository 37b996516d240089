"""Login cannot be guessed (django-axes), app pages carry a CSP, production settings pass check --deploy."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from response import roles
from response.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def officer(db):
    return UserFactory(username="duty_guess", password="Zhiban-2026-mima", roles=[roles.DUTY_OFFICER])


def _login(client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_lock_the_account_with_a_chinese_message_until_unlocked(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "duty_guess", "wrong-password").status_code == 200  # the form again
    assert _login(client, "duty_guess", "wrong-password").status_code == 429  # the limit reached
    locked = _login(client, "duty_guess", "Zhiban-2026-mima")
    assert locked.status_code == 429
    assert "登录已暂停" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address guessing the same account is stopped too (per account) …
    assert _login(client, "duty_guess", "Zhiban-2026-mima", ip="10.9.9.9").status_code == 429

    from axes.models import AccessAttempt

    # … until the admin deletes the attempts (the admin's unlock), then the right password works.
    AccessAttempt.objects.filter(username="duty_guess").delete()
    ok = _login(client, "duty_guess", "Zhiban-2026-mima", ip="10.9.9.9")
    assert ok.status_code == 302 and client.session.get("_auth_user_id") == str(officer.pk)


def test_one_address_guessing_many_accounts_is_paused(client, db, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"nobody{n}", "guess", ip="10.7.7.7")
    assert _login(client, "someone_else", "guess", ip="10.7.7.7").status_code == 429


def test_app_pages_carry_a_content_security_policy(client, officer):
    client.force_login(officer)
    csp = client.get(reverse("queue"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def _example_env() -> dict[str, str]:
    env = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


@pytest.mark.slow
def test_production_settings_with_the_example_env_pass_check_deploy(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(_example_env())
    # The example's key is a placeholder the README says to replace: use a real one, as a deployment must.
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}", "YUQING_HOME": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
