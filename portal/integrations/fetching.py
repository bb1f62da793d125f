"""Fetching a recording named by a webhook, as a background job: only from the hosts
the admin allowed for the sending system, within a size and a time limit, retried
with growing pauses while the other side is down.

The allow-list is what keeps a webhook from turning the portal into a tool for
reaching the intranet (server-side request forgery): the portal connects only to
a host:port an admin typed in, redirects included, and never through a proxy from
the environment (``trust_env`` off).
"""

import io
import time
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core import jobs
from portal.core.extensions import db
from portal.core.uploads import MB
from portal.integrations import intake
from portal.integrations.models import IntegrationToken
from reviews.models import Interaction
from reviews.recordings import RecordingRejected, client_name

KIND = "recording_fetch"
BACKOFF_SECONDS = (30, 120, 480)  # before the 2nd, 3rd and 4th attempt
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 10
DEFAULT_PORTS = {"http": 80, "https": 443}


class HostNotAllowed(Exception):
    pass


def host_of(url: str) -> str | None:
    """``host:port`` of an http(s) URL, the host lower-case and in ASCII (IDNA), or
    None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in DEFAULT_PORTS or not host:
        return None
    return f"{host}:{port}"


def normal_host(entry: str) -> str | None:
    """An allow-list entry as `host_of` writes it: "pbx.example.vn" means its
    standard https and http ports, "10.0.0.5:8443" that one port."""
    entry = entry.strip().lower()
    if not entry or "/" in entry or "@" in entry:
        return None
    name, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return None
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not ascii_name or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789.-" for c in ascii_name):
        return None
    return f"{ascii_name}:{int(port)}" if port else ascii_name


def allowed(url: str, hosts: list[str]) -> bool:
    target = host_of(url)
    if target is None:
        return False
    name, _, port = target.rpartition(":")
    return target in hosts or (name in hosts and int(port) in DEFAULT_PORTS.values())


def _limits() -> tuple[int, float]:
    config = current_app.config
    return config["RECORDING_MAX_MB"] * MB, float(config["FETCH_TIMEOUT_SECONDS"])


def download(url: str, hosts: list[str], beat, attempt: int = 1) -> tuple[bytes, str]:
    """The file's bytes and its name from the URL's path; JobRetry (after a pause
    that grows with `attempt`) while it may work later, JobFailed when it never will."""
    max_bytes, timeout = _limits()
    deadline = time.monotonic() + timeout
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the allow-list is the path
        return _follow(session, url, hosts, beat, attempt, max_bytes, timeout, deadline)


def _follow(session, url, hosts, beat, attempt, max_bytes, timeout, deadline):
    for _hop in range(MAX_REDIRECTS + 1):
        if not allowed(url, hosts):
            raise HostNotAllowed(url)
        try:
            with session.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=(CONNECT_TIMEOUT, timeout),
                headers={"User-Agent": "care-portal recording fetch"},
            ) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                _check_status(response.status_code, attempt)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise jobs.JobFailed(_too_large(max_bytes))
                data = _read(response, max_bytes, deadline, beat, attempt)
                return data, client_name(urlsplit(url).path)
        except requests.RequestException as error:  # refused, timed out, cut off mid-file
            current_app.logger.info("recording fetch %s: %s", host_of(url), error)
            raise _later(str(_l("The phone system could not be reached.")), attempt) from error
    raise jobs.JobFailed(str(_l("The recording's address redirects too many times.")))


def _check_status(status: int, attempt: int) -> None:
    if status in (408, 429) or status >= 500:
        raise _later(str(_l("The phone system answered %(status)d.", status=status)), attempt)
    if status >= 400:
        raise jobs.JobFailed(
            str(
                _l(
                    "The phone system answered %(status)d; the recording was not fetched.",
                    status=status,
                )
            )
        )


def _read(response, max_bytes: int, deadline: float, beat, attempt: int) -> bytes:
    kept, size = [], 0
    for chunk in response.iter_content(256 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise jobs.JobFailed(_too_large(max_bytes))
        if time.monotonic() > deadline:
            raise _later(str(_l("The recording took too long to arrive.")), attempt)
        kept.append(chunk)
        beat()
    return b"".join(kept)


def _too_large(max_bytes: int) -> str:
    return str(_l("The recording is larger than %(n)d MB.", n=max_bytes // MB))


def _later(message: str, attempt: int) -> jobs.JobRetry:
    return jobs.JobRetry(message, BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])


def _forget_url(job: jobs.Job) -> None:
    # A recording URL may carry the phone system's credentials or a signed query.
    job.params = {name: value for name, value in job.params.items() if name != "url"}


@jobs.kind(
    KIND,
    per_person=40,  # all webhooks share the schedule's allowance (no person asked)
    keep_for=timedelta(days=30),
    on_expire=_forget_url,
    max_attempts=len(BACKOFF_SECONDS) + 1,
)
def fetch_recording(job: jobs.Job, beat) -> dict:
    """Download the recording and attach it to its interaction."""
    interaction = db.session.get(Interaction, job.params["interaction_id"])
    token = db.session.get(IntegrationToken, job.params["token_id"])
    if interaction is None:
        raise jobs.JobFailed(str(_l("The interaction no longer exists.")))
    if token is None or not token.active:
        raise jobs.JobFailed(str(_l("The sending system's token was revoked.")))
    try:
        data, name = download(job.params["url"], token.allowed_hosts or [], beat, job.attempts)
    except HostNotAllowed as refused:
        raise jobs.JobFailed(
            str(_l("The recording's host is not allowed for %(name)s.", name=token.name))
        ) from refused
    max_bytes, _ = _limits()
    try:
        intake.attach_recording(interaction, io.BytesIO(data), max_bytes=max_bytes, name=name)
    except RecordingRejected as problem:
        raise jobs.JobFailed(str(problem)) from problem
    return {"interaction_id": interaction.id, "bytes": len(data)}
