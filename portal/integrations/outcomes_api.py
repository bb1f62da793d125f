"""POST /api/v1/outcomes: customer outcomes in batches, as the Excel import takes them.

Each record has the sheet's columns and goes through the same checks
(kpi/outcomes.OutcomeChecker) and the same writing (kpi/outcomes.import_outcomes),
so a record sent here and the same row in a sheet get the same key: sending a
batch again, or a record already imported from a file, adds nothing. All or
nothing: one wrong record and the answer is 422 with the messages by record
index and field, and nothing is written.
"""

from functools import wraps

import marshmallow as ma
from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from marshmallow import fields, validate

from portal.integrations.api import api_bp, requires
from portal.integrations.models import OUTCOMES_WRITE
from portal.integrations.refusals import BEARER, refusals
from portal.kpi import outcomes

MAX_RECORDS = 5000
# 5,000 records of every column take about 1.5 MB of JSON; room to spare, no more.
MAX_BYTES = 4 * 1024 * 1024

_measure = {"load_default": None, "allow_none": True}


class OutcomeIn(ma.Schema):
    """One outcome; the columns of the Excel import."""

    agent_email = fields.String(required=True, validate=validate.Length(max=254))
    date = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "YYYY-MM-DD, DD/MM/YYYY or ISO 8601 with an offset"},
    )
    record_id = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "The sender's id; without it, a fingerprint of the record"},
    )
    nps = fields.Integer(**_measure, metadata={"description": "0..10"})
    csat = fields.Integer(**_measure, metadata={"description": "1..5"})
    first_response_seconds = fields.Integer(**_measure)
    handling_seconds = fields.Integer(**_measure)
    complaint = fields.Boolean(**_measure)
    recontact_7d = fields.Boolean(**_measure)
    returned = fields.Boolean(**_measure)


class OutcomeBatchIn(ma.Schema):
    records = fields.List(
        fields.Nested(OutcomeIn), required=True, validate=validate.Length(1, MAX_RECORDS)
    )


class OutcomeBatchOut(ma.Schema):
    added = fields.Integer()
    already_there = fields.Integer()


def bounded(max_bytes: int):
    """Refuse a body over `max_bytes` (413) before anything reads it."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            too_big = (request.content_length or 0) > max_bytes
            if request.content_length is None:
                # A chunked body announces no length. Werkzeug stops reading at the
                # limit without saying so, so read one byte more than allowed: if it
                # is there, the body is over (and no more of it was read).
                request.max_content_length = max_bytes + 1
                too_big = len(request.get_data(cache=True)) > max_bytes
            if too_big:
                abort(413, message=f"A batch may be up to {max_bytes // (1024 * 1024)} MB.")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _as_text(value) -> str:
    """A record's value as a sheet's cell would read, for the shared checks."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def check_batch(records: list[dict]) -> outcomes.ParsedOutcomes:
    """Every record checked; 422 with the messages by index and field if any is wrong."""
    checker = outcomes.OutcomeChecker(
        duplicate_message=lambda first: str(
            _l("The record_id is also in record %(index)d.", index=first)
        )
    )
    parsed, errors = outcomes.ParsedOutcomes(), {}
    for index, values in enumerate(records):
        record, problems = checker.check({k: _as_text(v) for k, v in values.items()}, index)
        if problems:
            errors[index] = problems
        else:
            parsed.records.append(record)
    if errors:
        abort(422, errors={"json": {"records": errors}})
    return parsed


@api_bp.route("/outcomes", methods=["POST"])
@bounded(MAX_BYTES)
@api_bp.arguments(OutcomeBatchIn)
@api_bp.response(200, OutcomeBatchOut)
@refusals(
    api_bp,
    *BEARER,
    400,
    409,
    413,
    422,
    described={
        409: "The same records were being imported at that moment.",
        413: f"The body is over {MAX_BYTES // (1024 * 1024)} MB.",
        422: "A record fails the checks: the messages by record index and field.",
    },
)
@requires(OUTCOMES_WRITE)
def post_outcomes(body):
    """Add customer outcomes (up to 5,000 records a call), checked as the Excel import
    checks its rows; records already imported are counted, not added again."""
    parsed = check_batch(body["records"])
    try:
        batch = outcomes.import_outcomes(parsed, by=None, file_name=f"API: {g.api_token.name}")
    except outcomes.ConcurrentImport:
        abort(409, message="The same records were being imported at that moment; send again.")
    return {"added": batch.added, "already_there": batch.already_there}
