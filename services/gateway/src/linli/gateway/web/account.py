"""The account pages: change the password (signed in), and the two steps of a forgotten one
(ask for a link by phone or e-mail; choose a new password from the link).

They use the accounts service and `password_reset` as the API routes do, so the pages and
`/api/v1/auth/password*` follow one policy: a changed or reset password revokes every other
session (the page's own browser gets a new one after a change), the forgotten-password form
answers alike whether or not an account has the login.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from linli.common import errors
from linli.gateway import auth, password_reset
from linli.gateway.accounts.domain import SessionKind
from linli.gateway.web import backend, bp, forms
from linli.gateway.web.views import signed_in

PASSWORD_LIMIT = 1024


def _password(name: str) -> str:
    return (request.form.get(name) or "")[:PASSWORD_LIMIT]


@bp.get("/account")
@signed_in
def account() -> ResponseReturnValue:
    return render_template("account.html")


@bp.post("/account/password")
@signed_in
def change_password() -> ResponseReturnValue:
    person = backend.person()
    if person is None or not person.account_id:
        return redirect(url_for("web.signin"))
    new = _password("new_password")
    if new != _password("confirm_password"):
        flash(_("The two new passwords differ."), "error")
        return render_template("account.html"), 400
    state = auth.current_auth()
    try:
        changed = state.accounts.change_password(person.account_id, _password("current_password"), new)
    except errors.PermissionDenied:
        flash(_("The current password is wrong."), "error")
        return render_template("account.html"), 403
    except errors.InvalidArgument:
        flash(_("Choose a password of at least 8 characters that is not your phone number or e-mail."), "error")
        return render_template("account.html"), 422
    state.forget_account(changed.id)
    issued = state.accounts.issue(changed, SessionKind.BROWSER)
    flash(_("Your password was changed. Other devices were signed out."), "success")
    return auth.set_session_cookie(make_response(redirect(url_for("web.account"))), issued.secret)


@bp.route("/password-forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("password_forgot.html", sent=False)
    login = forms.text("login", 254)
    if login:
        password_reset.start_reset(login)
    return render_template("password_forgot.html", sent=True), 202


@bp.route(password_reset.RESET_PAGE, methods=["GET", "POST"])
def reset_password() -> ResponseReturnValue:
    token = (request.values.get("token") or "")[:200]
    if request.method == "GET":
        return render_template("password_reset.html", token=token)
    new = _password("new_password")
    if new != _password("confirm_password"):
        flash(_("The two new passwords differ."), "error")
        return render_template("password_reset.html", token=token), 400
    state = auth.current_auth()
    try:
        changed = state.accounts.confirm_reset(token, new)
    except errors.InvalidArgument as error:
        if error.field == "token":
            flash(_("This link is expired or was used already. Ask for a new one."), "error")
            return render_template("password_forgot.html", sent=False), 400
        flash(_("Choose a password of at least 8 characters that is not your phone number or e-mail."), "error")
        return render_template("password_reset.html", token=token), 422
    state.forget_account(changed.id)
    session.pop(forms.SESSION_KEY, None)
    flash(_("Your password was changed. Please sign in with it."), "success")
    return backend.sign_out(redirect(url_for("web.signin")))
