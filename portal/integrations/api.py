"""The versioned JSON API under /api/v1, documented by flask-smorest from its schemas.

Callers are systems, not people: each request carries ``Authorization: Bearer
<token>``; session cookies are never read (no ``current_user`` here) and the
blueprint is CSRF-exempt, since a token in a header is not something a browser
sends by itself. Every call is logged with the token's name.
"""

import time
from functools import wraps

from flask import current_app, g, request
from flask_smorest import Api, Blueprint, abort
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, default_exceptions

from portal.core.extensions import csrf, db
from portal.core.models import utcnow
from portal.core.uploads import MB, upload_limit
from portal.integrations import intake, throttle, tokens
from portal.integrations.models import INTERACTIONS_WRITE, REVIEWS_READ, ApiCall
from portal.integrations.refusals import BEARER, refusals
from portal.integrations.schemas import (
    ErrorOut,
    InteractionIn,
    InteractionOut,
    RecordingOut,
    ReviewPageOut,
    ReviewQuery,
    TranscriptIn,
    TranscriptOut,
)
from reviews import timed_transcripts
from reviews.recordings import RecordingRejected

api_bp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Intake from phone systems and CRMs."
)


class PortalApi(Api):
    """flask-smorest's Api, but its JSON error pages stay on the API's blueprint:
    the portal's own pages keep their HTML errors.

    Refusals are documented per view (portal/integrations/refusals.py), with the
    shape json_error gives them; no catch-all "default" answer, which would let any
    status pass for documented."""

    ERROR_SCHEMA = ErrorOut
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


def _bearer() -> str:
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" else ""


# Bodies of JSON calls, limited before they are read: a call is a few hundred bytes
# plus at most a 200,000-character transcript (about 1.2 MB as escaped JSON). The
# recording, transcript and outcome calls set their own limits.
BODY_LIMITS = {"api.put_interaction": 2 * MB}


@api_bp.before_request
def authenticate():
    g.api_started = time.perf_counter()
    if request.endpoint in BODY_LIMITS:
        request.max_content_length = BODY_LIMITS[request.endpoint]
    token = tokens.find(_bearer())
    g.api_token = token
    if token is None or not token.active:
        abort(401, message="A valid token is needed: Authorization: Bearer <token>.")
    wait = throttle.wait_seconds(token)
    if wait is not None:
        abort(
            429,
            message="Too many calls with this token; try again later.",
            headers={"Retry-After": str(wait)},
        )


def requires(scope: str):
    """Allow the view only to tokens holding `scope` (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in (g.api_token.scopes or []):
                abort(403, message=f"This token lacks the scope {scope}.")
            return view(*args, **kwargs)

        wrapped.scope = scope
        return wrapped

    return decorate


@api_bp.after_request
def log_call(response):
    token = g.get("api_token")
    if response.status_code >= 400:
        db.session.rollback()  # nothing partial: a refused call writes only its log line
    started = g.get("api_started", time.perf_counter())
    db.session.add(
        ApiCall(
            token_id=token.id if token else None,
            token_name=token.name if token else "",
            method=request.method,
            path=request.path[:500],
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
    )
    if token is not None and token.active:
        token.last_used_at = utcnow()
    db.session.commit()
    return response


def json_error(error: HTTPException):
    """Every refusal as JSON: code, status, message and, for bad input, the
    messages per field (``errors``)."""
    payload = {"code": error.code, "status": error.name}
    data = getattr(error, "data", None) or {}
    payload["message"] = data.get("message") or error.description
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
    headers = dict(data.get("headers") or {})
    if error.code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return payload, error.code, headers


# Flask asks handlers by status code before it asks them by class, the app's as well
# as a blueprint's: registering each code here keeps the portal's HTML 403/404/413
# pages off the API.
for _code in default_exceptions:
    api_bp.register_error_handler(_code, json_error)


def _check_key(source: str, external_id: str) -> None:
    errors = {}
    if not 0 < len(source) <= 40:
        errors["source"] = ["Between 1 and 40 characters."]
    if not 0 < len(external_id) <= 120:
        errors["external_id"] = ["Between 1 and 120 characters."]
    if errors:
        abort(422, errors={"path": errors})


@api_bp.route("/interactions/<source>/<external_id>", methods=["PUT"])
@api_bp.arguments(InteractionIn)
@api_bp.response(200, InteractionOut, description="Updated (or sent again unchanged).")
@api_bp.alt_response(201, schema=InteractionOut, description="Created.")
@refusals(api_bp, *BEARER, 400, 404, 413, 422)
@requires(INTERACTIONS_WRITE)
def put_interaction(body, source, external_id):
    """Create or update an interaction by the sender's (source, external id).

    Sending the same body again changes nothing; a changed field updates it."""
    _check_key(source, external_id)
    try:
        interaction, created = intake.put_interaction(
            source, external_id, body, by=g.api_token.name
        )
    except intake.Unprocessable as problem:
        abort(422, errors={"json": problem.errors})
    return interaction, 201 if created else 200


@api_bp.route("/interactions/<source>/<external_id>/recording", methods=["PUT"])
@upload_limit("RECORDING_MAX_MB")  # recordings are larger than the portal's other uploads
@api_bp.response(200, RecordingOut)
@refusals(
    api_bp,
    *BEARER,
    404,
    413,
    422,
    described={413: "The recording is over RECORDING_MAX_MB.", 422: "Not a recording we can play."},
)
@requires(INTERACTIONS_WRITE)
def put_recording(source, external_id):
    """Attach the interaction's recording: the raw audio as the body, or a
    multipart field ``file``. It replaces an earlier recording."""
    interaction = intake.find(source, external_id)
    if interaction is None:
        abort(404, message="No interaction has this source and external id.")
    max_bytes = current_app.config["RECORDING_MAX_MB"] * MB
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            abort(422, errors={"file": ["Send the recording as the multipart field file."]})
        stream, name = upload.stream, upload.filename
    else:
        if (request.content_length or 0) > max_bytes:  # a raw body needs no form allowance
            abort(413, message=f"A recording may be up to {max_bytes // MB} MB.")
        stream, name = request.stream, ""
    try:
        intake.attach_recording(interaction, stream, max_bytes=max_bytes, name=name)
    except RecordingRejected as problem:
        abort(422, errors={"file": [str(problem)]})
    return interaction


@api_bp.route("/interactions/<source>/<external_id>/transcript", methods=["PUT"])
@api_bp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": TranscriptIn},
            "text/vtt": {"schema": {"type": "string", "description": "WebVTT with <v Agent>"}},
        },
    }
)
@api_bp.response(200, TranscriptOut)
@refusals(api_bp, *BEARER, 400, 404, 413, 422)
@requires(INTERACTIONS_WRITE)
def put_transcript(source, external_id):
    """Attach a timed transcript: JSON ``{"segments": [...]}`` or a WebVTT body whose
    cues carry ``<v Agent>`` / ``<v Customer>``. It replaces earlier segments."""
    if (request.content_length or 0) > timed_transcripts.MAX_BODY_BYTES:
        abort(
            413, message=f"A transcript may be up to {timed_transcripts.MAX_BODY_BYTES // MB} MB."
        )
    interaction = intake.find(source, external_id)
    if interaction is None:
        abort(404, message="No interaction has this source and external id.")
    where = "vtt" if request.mimetype == "text/vtt" else "json"
    try:
        segments = _transcript_segments(where)
        timed_transcripts.check(segments, interaction.duration_seconds)
    except timed_transcripts.Invalid as problem:
        abort(422, errors={where: problem.errors})
    rows = timed_transcripts.replace(interaction, segments)
    return {"id": interaction.id, "segments": len(rows), "transcript": interaction.transcript}


def _transcript_segments(where: str) -> list[dict]:
    """The body's turns, checked by TranscriptIn whichever way they came."""
    if where == "vtt":
        body = {"segments": timed_transcripts.parse_vtt(request.get_data(as_text=True))}
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, message='Send JSON {"segments": [...]} or WebVTT (Content-Type text/vtt).')
    try:
        return TranscriptIn().load(body)["segments"]
    except ValidationError as problem:
        raise timed_transcripts.Invalid(problem.messages) from problem


@api_bp.route("/reviews", methods=["GET"])
@api_bp.arguments(ReviewQuery, location="query")
@api_bp.response(200, ReviewPageOut)
@refusals(api_bp, *BEARER, 422)
@requires(REVIEWS_READ)
def list_reviews(query):
    """Submitted reviews with their scores, by submission time (dates inclusive,
    in the portal's time zone)."""
    return intake.submitted_reviews(
        page=query["page"],
        per_page=query["per_page"],
        since=query.get("since"),
        until=query.get("until"),
        team=query.get("team"),
    )


def init_api(app, *more_blueprints) -> None:
    app.config.setdefault("API_TITLE", "Care portal API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PortalApi(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    for blueprint in (api_bp, *more_blueprints):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.before_request(_unrouted_api_call)


def _unrouted_api_call():
    """A path under /api/v1 that no route takes (404) or a method it does not take
    (405) is answered in JSON too: it matched no view, so the blueprint's handlers
    are not asked and the portal's HTML page would answer."""
    error = request.routing_exception
    if (
        isinstance(error, HTTPException)
        and (error.code or 0) >= 400
        and request.path.startswith(api_bp.url_prefix + "/")
    ):
        return json_error(error)
    return None
