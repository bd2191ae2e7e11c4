"""The settings module's promises: embedded defaults, and refusal to run unsafely."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _django(env_overrides: dict[str, str], code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "spirittours.settings", **env_overrides})
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _django({"DEBUG": "False", "ALLOWED_HOSTS": "tours.example"}, "print('started')")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is False" in result.stderr
    assert "started" not in result.stdout


def test_embedded_defaults_need_no_services(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, s.TIME_ZONE, s.USE_TZ)"
    )
    result = _django({"DEBUG": "true", "SPIRITTOURS_VAR_DIR": str(tmp_path)}, code)  # as `make run` sets it
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "django.core.cache.backends.locmem.LocMemCache",
        "filesystem://",
        "Europe/Madrid",
        "True",
    ]
    assert (tmp_path / "dev_secret_key").exists()


def test_debug_is_off_unless_turned_on(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, len(s.ALLOWED_HOSTS), s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = _django({"SECRET_KEY": "x" * 50, "SPIRITTOURS_VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "0", "True", "True", "True"]
    assert not (tmp_path / "dev_secret_key").exists()


def test_without_debug_or_a_secret_key_the_process_refuses_to_start(tmp_path):
    result = _django({"SPIRITTOURS_VAR_DIR": str(tmp_path)}, "print('started')")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is False. For development, set DEBUG=true" in result.stderr
    assert "started" not in result.stdout
    assert not (tmp_path / "dev_secret_key").exists()


@pytest.mark.parametrize(("environment", "expected"), [({}, "true"), ({"DEBUG": "False"}, "False")])
def test_make_turns_debug_on_unless_the_environment_says_otherwise(environment, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "show-debug: ; @echo $$DEBUG", "show-debug"],  # noqa: S607
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, expected + "\n"), result.stderr


def _production(tmp_path, **overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "False",
        "SECRET_KEY": "k" * 10 + "Xy7#qP2!vR9$wL4&mN8*zT1^bH6(cJ3)" + "s" * 20,
        "ALLOWED_HOSTS": "tours.example",
        "CSRF_TRUSTED_ORIGINS": "https://tours.example",
        "SPIRITTOURS_VAR_DIR": str(tmp_path),
        "ANYMAIL_WEBHOOK_SECRET": "tracker:" + "w" * 32,
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


DEPLOY_CHECK = (
    "from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')"
)


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = _django(_production(tmp_path), DEPLOY_CHECK)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr


def test_deploy_check_fails_without_the_tracking_webhook_secret(tmp_path):
    result = _django(_production(tmp_path, ANYMAIL_WEBHOOK_SECRET=None), DEPLOY_CHECK)
    assert result.returncode != 0
    assert "ERRORS:\n?: (notifications.E001) ANYMAIL_WEBHOOK_SECRET is not set" in result.stderr


def test_sentry_is_off_without_a_dsn_and_collects_no_personal_data_with_one(tmp_path):
    show = (
        "import json, sentry_sdk; client = sentry_sdk.get_client(); options = client.options; "
        "collect = options.get('data_collection') or {}; "
        "print(json.dumps([client.is_active(), options.get('dsn'), options.get('environment'), "
        "sorted(i for i in client.integrations if i in ('django', 'celery')), "
        "[collect.get(key) for key in ('user_info', 'cookies', 'http_bodies', 'url_query_params', "
        "'database_query_data', 'stack_frame_variables')]]))"
    )
    off = _django(_production(tmp_path), show)
    dsn = "https://public@sentry.example/7"
    on = _django(_production(tmp_path, SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging"), show)

    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)[:4] == [False, None, None, []]
    assert on.returncode == 0, on.stderr
    assert json.loads(on.stdout) == [
        True,
        dsn,
        "staging",
        ["celery", "django"],
        [False, {"mode": "off"}, [], {"mode": "off"}, False, False],
    ]


@pytest.mark.redis
def test_redis_channel_layer_round_trip():
    layer = get_channel_layer()
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "spirittours.channel_layers.RedisPubSubChannelLayer"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("settings-test", channel)
        await layer.group_send("settings-test", {"type": "ping", "n": 1})
        message = await layer.receive(channel)
        await layer.group_discard("settings-test", channel)
        await layer.flush()
        return message

    assert async_to_sync(round_trip)() == {"type": "ping", "n": 1}
