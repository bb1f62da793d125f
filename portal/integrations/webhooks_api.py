"""Webhooks in: a phone system says "this call's recording is ready at this URL",
signed with its key (portal/integrations/signatures.py) instead of a bearer token,
as Aircall, Twilio and Stringee send them. The portal answers 202 at once and
fetches the file as a background job (portal/integrations/fetching.py).

Each sender has its own URL, /api/v1/webhooks/<token id>/recording-ready, so the
portal knows whose key to check before it reads anything else. Senders retry a
delivery until they see a 2xx: an event id seen before is answered 200 and
nothing is fetched again.
"""

import json

import marshmallow as ma
from flask import g, request
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core import jobs
from portal.core.extensions import db
from portal.integrations import fetching, intake, signatures, throttle
from portal.integrations.api import json_error, log_call
from portal.integrations.models import INTERACTIONS_WRITE, IntegrationToken, WebhookEvent
from portal.integrations.refusals import refusals
from portal.integrations.schemas import InteractionIn

webhooks_bp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Signed events from phone systems (HMAC-SHA256, header X-Portal-Signature).",
)
RECORDING_READY = "recording.ready"
MAX_BODY_BYTES = 64 * 1024


class RecordingReadyIn(ma.Schema):
    id = fields.String(
        required=True,
        validate=validate.Length(1, 120),
        metadata={"description": "The sender's event id: a retried delivery keeps it"},
    )
    type = fields.String(required=True, validate=validate.OneOf([RECORDING_READY]))
    source = fields.String(required=True, validate=validate.Length(1, 40))
    external_id = fields.String(required=True, validate=validate.Length(1, 120))
    recording_url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
    )
    interaction = fields.Nested(
        InteractionIn,
        load_default=None,
        metadata={"description": "The call itself, created or updated first (optional)"},
    )


class WebhookOut(ma.Schema):
    status = fields.String(metadata={"description": "accepted, or duplicate (seen before)"})
    interaction_id = fields.Integer(allow_none=True)


@webhooks_bp.before_request
def check_signature():
    """The token named by the URL, its key, the signature and the clock; then the
    same per-token rate limit as the API."""
    request.max_content_length = MAX_BODY_BYTES
    token_id = (request.view_args or {}).get("token_id")
    token = db.session.get(IntegrationToken, token_id) if token_id else None
    if token is None or not token.active or not token.signing_secret:
        abort(401, message="No webhook key for this address.")
    try:
        signatures.verify(
            request.headers.get(signatures.HEADER, ""), token.signing_secret, request.get_data()
        )
    except signatures.BadSignature as refused:
        abort(401, message=str(refused))
    g.api_token = token  # the call is logged with its name from here on
    if INTERACTIONS_WRITE not in (token.scopes or []):
        abort(403, message=f"This token lacks the scope {INTERACTIONS_WRITE}.")
    wait = throttle.wait_seconds(token)
    if wait is not None:
        abort(429, message="Too many calls with this token.", headers={"Retry-After": str(wait)})


webhooks_bp.after_request(log_call)
for _code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503):
    webhooks_bp.register_error_handler(_code, json_error)


def _event() -> dict:
    try:
        body = json.loads(request.get_data())
    except ValueError:
        abort(400, message="The body is not JSON.")
    try:
        return RecordingReadyIn().load(body if isinstance(body, dict) else {"_": body})
    except ma.ValidationError as problem:
        abort(422, errors={"json": problem.messages})


@webhooks_bp.route("/<int:token_id>/recording-ready", methods=["POST"])
@webhooks_bp.doc(
    security=[],
    parameters=[
        {
            "in": "header",
            "name": signatures.HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + body>",
        }
    ],
    requestBody={"required": True, "content": {"application/json": {"schema": RecordingReadyIn}}},
)
@webhooks_bp.response(202, WebhookOut, description="Accepted: the recording is fetched soon.")
@webhooks_bp.alt_response(200, schema=WebhookOut, description="Seen before: nothing new.")
@refusals(
    webhooks_bp,
    400,
    401,
    403,
    404,
    413,
    422,
    429,
    503,
    described={
        404: "No such address (the token id is not a number).",
        401: "No webhook key for this address, or a signature that does not match the body "
        "or is more than 5 minutes old.",
        403: "The sender's token lacks the scope interactions:write.",
    },
)
def recording_ready(token_id: int):
    """A recording is ready: fetch it from its URL (a host allowed for this sender)
    and attach it to the call, created from ``interaction`` when it is given."""
    token = g.api_token
    event = _event()
    seen = _seen(token.id, event["id"])
    if seen is not None:
        return {"status": "duplicate", "interaction_id": seen.interaction_id}, 200
    if not fetching.allowed(event["recording_url"], token.allowed_hosts or []):
        abort(
            422, errors={"json": {"recording_url": ["This host is not allowed for this sender."]}}
        )
    interaction = _interaction(event, token)
    fresh = _queue_fetch(token, event, interaction.id)
    answer = {"status": "accepted" if fresh else "duplicate", "interaction_id": interaction.id}
    return answer, 202 if fresh else 200


def _queue_fetch(token: IntegrationToken, event: dict, interaction_id: int) -> bool:
    """Queue the fetch and record the event; False when a twin delivery won."""
    params = {"interaction_id": interaction_id, "token_id": token.id, "url": event["recording_url"]}
    try:
        job = jobs.start(fetching.KIND, by_id=None, params=params)
    except jobs.JobLimit:
        abort(
            503,
            message="Too much waiting work; send it again later.",
            headers={"Retry-After": "60"},
        )
    # Recorded once the fetch is queued: an event refused above is not "seen", so the
    # sender's retry is taken. A twin delivery racing this one may queue a second
    # fetch; attaching the same file twice is harmless.
    db.session.add(
        WebhookEvent(
            token_id=token.id,
            event_id=event["id"],
            kind=RECORDING_READY,
            interaction_id=interaction_id,
            job_id=job.id,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _seen(token_id: int, event_id: str) -> WebhookEvent | None:
    return db.session.scalar(
        select(WebhookEvent).where(
            WebhookEvent.token_id == token_id, WebhookEvent.event_id == event_id
        )
    )


def _interaction(event: dict, token: IntegrationToken):
    if event["interaction"] is not None:
        try:
            interaction, _created = intake.put_interaction(
                event["source"], event["external_id"], event["interaction"], by=token.name
            )
        except intake.Unprocessable as problem:
            abort(422, errors={"json": {"interaction": problem.errors}})
        return interaction
    interaction = intake.find(event["source"], event["external_id"])
    if interaction is None:
        abort(
            422,
            errors={"json": {"external_id": ["No call has this id yet: include interaction."]}},
        )
    return interaction
