"""Recorded interactions: checking audio by its content (mutagen), storing it
under a generated name, creating interactions, and checking the rows of a
manifest (Excel or CSV) that comes with a batch of files; the batch itself
runs as a background job (reviews/batch_jobs.py)."""

import io
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import mutagen
from flask import Response
from flask_babel import lazy_gettext as _l
from mutagen.mp3 import MP3, HeaderNotFoundError
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.roles import FRONTLINE
from portal.core.storage import StorageError, storage
from portal.core.text import clean
from portal.core.workbooks import read_rows
from reviews import masking
from reviews.models import Interaction

CHANNELS = {
    "phone": _l("Phone"),
    "email": _l("Email"),
    "live_chat": _l("Live chat"),
    "social": _l("Social messaging (Zalo, Messenger)"),
}
# What mutagen recognises → how the file is stored and served.
FORMATS = {
    WAVE: ("wav", "audio/wav"),
    MP3: ("mp3", "audio/mpeg"),
    OggOpus: ("opus", "audio/ogg"),
    OggVorbis: ("ogg", "audio/ogg"),
    MP4: ("m4a", "audio/mp4"),
}
MIMETYPES = dict(FORMATS.values())
MANIFEST_COLUMNS = ["file_name", "agent_email", "occurred_at", "channel", "customer_ref"]
OPTIONAL_COLUMNS = ["duration_seconds", "step", "transcript"]


class RecordingRejected(Exception):
    """Why a file is not accepted as a recording (a sentence for the uploader)."""


def client_name(name: str | None) -> str:
    """The uploader's file name for display and matching only: no folders, NFC."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return unicodedata.normalize("NFC", clean(base))[:255]


@dataclass
class Audio:
    data: bytes
    extension: str
    seconds: float


def check_audio(stream, *, max_bytes: int) -> Audio:
    """Read the upload and recognise its format from its bytes; the file's name
    and the browser's content type are never trusted."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise RecordingRejected(str(_l("The file is empty.")))
    if len(data) > max_bytes:
        raise RecordingRejected(
            str(_l("The file is larger than %(n)d MB.", n=max_bytes // (1024 * 1024)))
        )
    # No file name goes to mutagen: it would score a format by the extension.
    try:
        audio = mutagen.File(io.BytesIO(data), options=list(FORMATS))
        if audio is None:
            # An MP3 without an ID3 tag scores nothing by header: parse it as one,
            # which finds real MPEG frames or fails.
            audio = MP3(io.BytesIO(data))
    except (HeaderNotFoundError, mutagen.MutagenError, ValueError, EOFError):
        audio = None
    seconds = getattr(getattr(audio, "info", None), "length", 0) or 0
    if audio is None or seconds <= 0:
        raise RecordingRejected(
            str(_l("This is not a recording we can play (mp3, wav, ogg/opus or m4a)."))
        )
    return Audio(data, FORMATS[type(audio)][0], seconds)


@dataclass(frozen=True)
class StoredRecording:
    file: str  # the generated name under recordings/
    extension: str
    size: int
    seconds: float


def store(audio: Audio, stem: str | None = None) -> StoredRecording:
    """Write the file under a generated name: a fresh one, unless the caller derives
    the stem (a batch does, so that running it again overwrites its own files
    instead of leaving copies)."""
    name = f"{stem or uuid.uuid4().hex}.{audio.extension}"
    storage().save(key_of(name), audio.data)
    return StoredRecording(name, audio.extension, len(audio.data), audio.seconds)


def key_of(file_name: str) -> str:
    return f"recordings/{file_name}"


def serve(interaction: Interaction) -> Response | None:
    """The recording for the player (Range requests answered on both backends)."""
    if not interaction.recording_file:
        return None
    mimetype = MIMETYPES.get(interaction.recording_format, "application/octet-stream")
    try:
        return storage().serve(key_of(interaction.recording_file), mimetype)
    except StorageError:
        return None


@dataclass
class InteractionInput:
    agent_id: int
    channel: str
    occurred_at: datetime
    customer_ref: str = ""
    duration_seconds: int | None = None
    step_id: int | None = None
    transcript: str = ""


def create_interaction(
    given: InteractionInput, audio: Audio | StoredRecording | None, *, by, original=""
) -> Interaction:
    """An interaction (added, not committed) with its recording: stored here, or
    already stored (a batch keeps each file as it checks it, not all in memory)."""
    interaction = Interaction(
        agent_id=given.agent_id,
        channel=given.channel,
        occurred_at=given.occurred_at,
        customer_ref=clean(given.customer_ref)[:120],
        duration_seconds=given.duration_seconds,
        step_id=given.step_id,
        transcript=masking.at_intake(clean(given.transcript or "", multiline=True)),
        created_by_id=by.id if by else None,
        original_name=original,
    )
    if audio is not None:
        kept = audio if isinstance(audio, StoredRecording) else store(audio)
        interaction.recording_file = kept.file
        interaction.recording_format = kept.extension
        interaction.recording_bytes = kept.size
        if not interaction.duration_seconds:
            interaction.duration_seconds = round(kept.seconds)
    db.session.add(interaction)
    return interaction


# --- the rows of a manifest ----------------------------------------------------------------


def read_manifest(stream) -> list[tuple[int, dict | str]]:
    """The manifest's rows (WorkbookError for a file that cannot be read as one)."""
    return read_rows(stream, MANIFEST_COLUMNS, max_rows=5000, optional=tuple(OPTIONAL_COLUMNS))


def parse_when(value: str, zone: ZoneInfo) -> datetime | None:
    """Vietnam-time "YYYY-MM-DD HH:MM" (or an Excel date) → UTC."""
    value = (value or "").strip().replace("T", " ")
    for pattern in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y",
    ):
        try:
            return (
                datetime.strptime(value, pattern).replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
            )
        except ValueError:
            continue
    return None


def agents_for(by) -> dict[str, int]:
    """Agents a batch of `by` may name, by lower-case email: active front-line people
    they may review (a supervisor's own teams)."""
    scope = visible_users(by).with_only_columns(User.id)
    return {
        email: user_id
        for user_id, email in db.session.execute(
            select(User.id, func.lower(User.email)).where(
                User.active.is_(True),
                User.role.in_([r.value for r in FRONTLINE]),
                User.id.in_(scope),
            )
        )
    }


@dataclass
class ManifestRow:
    given: InteractionInput | None  # None when the row has problems
    file_name: str  # the client's name of the file the row names ("" for none)
    problems: list[str] = field(default_factory=list)


def check_row(
    values: dict, *, agents: dict[str, int], step_ids: dict[str, int], zone
) -> ManifestRow:
    """One manifest row checked on its own (the file it names is checked elsewhere)."""
    problems = []
    agent_id = agents.get(values.get("agent_email", "").strip().lower())
    if agent_id is None:
        problems.append(str(_l("No active agent or new hire has this email.")))
    when = parse_when(values.get("occurred_at", ""), zone)
    if when is None:
        problems.append(str(_l("Write the date as YYYY-MM-DD HH:MM.")))
    channel = values.get("channel", "").strip()
    if channel not in CHANNELS:
        problems.append(
            str(
                _l(
                    "Unknown channel “%(v)s”; use one of: %(all)s.",
                    v=channel,
                    all=", ".join(CHANNELS),
                )
            )
        )
    step = values.get("step", "").strip()
    if step and step not in step_ids:
        problems.append(str(_l("Unknown playbook step “%(v)s”.", v=step)))
    duration = values.get("duration_seconds", "").strip().removesuffix(".0")
    if duration and not (duration.isascii() and duration.isdigit() and len(duration) <= 6):
        problems.append(str(_l("The duration must be a whole number of seconds.")))
    name = client_name(values.get("file_name"))
    if problems:
        return ManifestRow(None, name, problems)
    given = InteractionInput(
        agent_id=agent_id,
        channel=channel,
        occurred_at=when,
        customer_ref=values.get("customer_ref", ""),
        duration_seconds=int(duration) if duration else None,
        step_id=step_ids.get(step),
        transcript=values.get("transcript", ""),
    )
    return ManifestRow(given, name)
