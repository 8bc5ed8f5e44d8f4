"""WSGI entry for gunicorn: `gunicorn linli.gateway.wsgi:app` (settings from the environment)."""

from __future__ import annotations

from linli.gateway.app import create_app

app = create_app()
