"""The web pages: server-rendered Jinja templates for residents, volunteers, grid workers and
dispatchers, organisation admins and the public results board, in Chinese and English.

``bp`` is registered by the gateway's app factory at ``/``. Pages call the services only
through ``backend.rpc`` (the gateway's ``clients.call`` with the signed-in person). Every
form posts with a per-session CSRF token (``forms.py``); the inbox and the deadline board
update live over Server-Sent Events (``/inbox/stream``, fed by the notifications service's
``StreamInbox``). Nothing is loaded from outside the platform: CSS and JS are in
``static/``, and map tiles come only from ``LINLI_WEB_MAP_TILES_URL`` (empty by default: the
pin is entered as latitude and longitude).
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import Babel

from linli.gateway.web import i18n

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """Babel for the app (unless it has one), compiled translations, template helpers."""
    app = state.app
    i18n.compile_all()
    if "babel" not in app.extensions:
        Babel(
            app,
            locale_selector=i18n.select_locale,
            default_translation_directories=str(i18n.TRANSLATIONS_DIR),
            default_locale=i18n.DEFAULT_LOCALE,
            default_timezone="Asia/Shanghai",
        )
    else:  # another part of the gateway set Babel up first: add our catalogues and selector
        babel = app.extensions["babel"]
        if str(i18n.TRANSLATIONS_DIR) not in babel.translation_directories:
            babel.translation_directories.append(str(i18n.TRANSLATIONS_DIR))
        if babel.locale_selector is None:
            babel.locale_selector = i18n.select_locale


from linli.gateway.web import account, views  # noqa: E402  (their routes register on bp)

__all__ = ["account", "bp", "views"]
