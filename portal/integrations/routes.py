"""Admin pages for integration tokens: the list, a new token (shown once), revoking,
and the log of the calls made with them."""

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.extensions import db
from portal.core.htmx import form_status, redirect_to
from portal.core.models import local_today
from portal.core.policy import permission_required
from portal.integrations import bp, call_log, drop_folder, tokens, webhook_log
from portal.integrations.forms import SCOPE_LABELS, AllowedHostsForm, TokenForm
from portal.integrations.models import IntegrationToken
from portal.integrations.policy import INTEGRATIONS_MANAGE


@bp.get("/")
@permission_required(INTEGRATIONS_MANAGE)
def token_list():
    return render_template(
        "integrations/tokens.html", tokens=tokens.all_tokens(), scope_labels=SCOPE_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(INTEGRATIONS_MANAGE)
def new_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_template("integrations/token_form.html", form=form), form_status()
    issued = tokens.issue(form.name.data, form.scopes.data, by=current_user)
    # The secret is in this answer only: no redirect, nothing kept to show it again.
    response = render_template(
        "integrations/token_created.html", token=issued.token, secret=issued.secret
    )
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@permission_required(INTEGRATIONS_MANAGE)
def revoke(token_id: int):
    token = db.get_or_404(IntegrationToken, token_id)
    tokens.revoke(token)
    flash(_("%(name)s can no longer call the API.", name=token.name), "success")
    return redirect_to(url_for("integrations.token_list"))


@bp.route("/<int:token_id>/webhooks", methods=["GET", "POST"])
@permission_required(INTEGRATIONS_MANAGE)
def webhooks(token_id: int):
    token = db.get_or_404(IntegrationToken, token_id)
    form = AllowedHostsForm(data={"hosts": "\n".join(token.allowed_hosts or [])})
    if form.validate_on_submit():
        tokens.set_allowed_hosts(token, form.normal_hosts)
        flash(_("The allowed hosts are saved."), "success")
        return redirect_to(url_for("integrations.webhooks", token_id=token.id))
    events = webhook_log.recent(token.id)
    return render_template(
        "integrations/webhooks.html", token=token, form=form, events=events
    ), form_status()


@bp.post("/<int:token_id>/signing-key")
@permission_required(INTEGRATIONS_MANAGE)
def new_signing_key(token_id: int):
    token = db.get_or_404(IntegrationToken, token_id)
    if not token.active:
        abort(404)
    secret = tokens.rotate_signing_secret(token)
    # Like a new token: in this answer only, never cached.
    response = render_template("integrations/signing_key.html", token=token, secret=secret)
    return response, 201, {"Cache-Control": "no-store"}


@bp.get("/calls")
@permission_required(INTEGRATIONS_MANAGE)
def call_list():
    token_id = request.args.get("token", type=int)
    calls = call_log.page(token_id, request.args.get("page", type=int))
    return render_template(
        "integrations/calls.html", calls=calls, tokens=tokens.all_tokens(), token_id=token_id
    )


@bp.get("/drop-folder")
@permission_required(INTEGRATIONS_MANAGE)
def drop_batches():
    batches = drop_folder.recent(request.args.get("page", type=int))
    return render_template(
        "integrations/drop_batches.html", batches=batches, root=drop_folder.root_folder()
    )


@bp.get("/calls.csv")
@permission_required(INTEGRATIONS_MANAGE)
def call_csv():
    token_id = request.args.get("token", type=int)
    rows = db.session.scalars(call_log.calls(token_id).limit(call_log.CSV_MAX_ROWS))
    headers = [_("Time"), _("Token"), _("Method"), _("Path"), _("Status"), _("Duration (ms)")]
    filename = f"api-calls-{local_today().isoformat()}.csv"
    return Response(
        call_log.as_csv(rows, headers),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
