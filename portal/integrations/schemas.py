"""What the API takes and gives, as marshmallow schemas (the OpenAPI document is
generated from them)."""

from datetime import UTC, date, datetime

import marshmallow as ma
from marshmallow import fields, validate

from reviews.recordings import CHANNELS

DIRECTIONS = ("inbound", "outbound")
MAX_PER_PAGE = 200
DATES = (date(2000, 1, 1), date(2100, 12, 31))
MOMENTS = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2101, 1, 1, tzinfo=UTC))


class InteractionIn(ma.Schema):
    agent_email = fields.Email(
        load_default=None,
        allow_none=True,
        metadata={"description": "The agent, by email address, or:"},
    )
    agent_external_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 120),
        metadata={"description": "The agent's id in the sending system (set on the person)"},
    )
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS)))
    occurred_at = fields.AwareDateTime(
        required=True,
        validate=validate.Range(*MOMENTS),
        metadata={"description": "ISO 8601 with an offset, 2000 to 2100"},
    )
    duration_seconds = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 24 * 3600)
    )
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    customer_ref = fields.String(load_default="", validate=validate.Length(max=120))
    step = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "A playbook step's slug"},
    )
    queue = fields.String(
        load_default="",
        validate=validate.Length(max=80),
        metadata={"description": "The phone system's queue or hunt group"},
    )
    # Left out, the interaction keeps its transcript (a timed one sent separately).
    transcript = fields.String(validate=validate.Length(max=200_000))

    @ma.validates_schema(skip_on_field_errors=False)  # reported with the other fields
    def names_an_agent(self, data, **kwargs):
        if not data.get("agent_email") and not data.get("agent_external_id"):
            raise ma.ValidationError("Give agent_email or agent_external_id.", "agent_email")


class InteractionOut(ma.Schema):
    id = fields.Integer()
    source = fields.String()
    external_id = fields.String()
    agent_email = fields.Function(lambda i: i.agent.email)
    channel = fields.String()
    occurred_at = fields.DateTime()
    duration_seconds = fields.Integer(allow_none=True)
    direction = fields.String(allow_none=True)
    customer_ref = fields.String()
    queue = fields.String()
    has_recording = fields.Function(lambda i: bool(i.recording_file))


class RecordingOut(ma.Schema):
    id = fields.Integer()
    recording_format = fields.String()
    recording_bytes = fields.Integer()
    duration_seconds = fields.Integer(allow_none=True)


class ReviewQuery(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PER_PAGE))
    # Bounded: 0001-01-01 in Vietnam is before year 1 in UTC (found by Schemathesis).
    since = fields.Date(data_key="from", load_default=None, validate=validate.Range(*DATES))
    until = fields.Date(data_key="to", load_default=None, validate=validate.Range(*DATES))
    team = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))


class SectionOut(ma.Schema):
    section_key = fields.String()
    percent = fields.Float(allow_none=True)


class ReviewOut(ma.Schema):
    id = fields.Integer()
    interaction_id = fields.Integer()
    agent_id = fields.Integer()
    agent_email = fields.Function(lambda r: r.agent.email)
    team_id = fields.Function(lambda r: r.agent.team_id)
    reviewer_id = fields.Integer()
    rubric_version_id = fields.Integer()
    state = fields.String()
    score = fields.Float(allow_none=True, metadata={"description": "Review %, 0..100"})
    passed = fields.Boolean(allow_none=True)
    critical_failed = fields.Boolean()
    submitted_at = fields.DateTime()
    sections = fields.List(fields.Nested(SectionOut))


class ReviewPageOut(ma.Schema):
    items = fields.List(fields.Nested(ReviewOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


# --- timed transcripts (reviews/timed_transcripts.py) -----------------------------------


class SegmentIn(ma.Schema):
    speaker = fields.String(required=True, validate=validate.OneOf(["agent", "customer"]))
    start = fields.Float(required=True, validate=validate.Range(min=0, max=24 * 3600))
    end = fields.Float(required=True, validate=validate.Range(min=0, max=24 * 3600))
    text = fields.String(required=True, validate=validate.Length(max=2000))

    @ma.validates_schema
    def end_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ma.ValidationError("Ends before it starts.", "end")


class TranscriptIn(ma.Schema):
    segments = fields.List(
        fields.Nested(SegmentIn), required=True, validate=validate.Length(max=5000)
    )


class TranscriptOut(ma.Schema):
    id = fields.Integer()
    segments = fields.Integer(metadata={"description": "How many turns are stored"})
    transcript = fields.String(metadata={"description": "Their plain text, masked"})


# --- refusals (portal/integrations/refusals.py) ------------------------------------------


class ErrorOut(ma.Schema):
    """Every refusal the API answers (api.json_error): 4xx, in JSON."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    status = fields.String(required=True, metadata={"description": "Its name"})
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Bad input only: the messages by where they were found "
            "(json, query, path, file) and field"
        },
    )
