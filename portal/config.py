"""Configuration from the environment; nothing secret lives in the code."""

import os
import secrets
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once and kept under instance/."""
    if os.environ.get("PORTAL_SECRET_KEY"):
        return os.environ["PORTAL_SECRET_KEY"]
    key_file = instance_path / "secret_key"
    try:
        # Created readable by the owner only, and only once even when several
        # gunicorn workers start at the same moment (O_EXCL): the losers read
        # the winner's key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _attempt in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.01)  # the creating worker has not written it yet
    raise RuntimeError(f"{key_file} is empty; delete it to generate a new key")


def _pairs(text: str) -> dict[str, str]:
    """ "a=b, c=d" as {"a": "b", "c": "d"} (entries without "=" are left out)."""
    found = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {key.strip(): value.strip() for key, value in found if key.strip() and value.strip()}


def load_config(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = (
        os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance_path / 'portal.db'}"
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A connection idle longer than this is checked before use; 0 checks every
        # one at every checkout (portal/core/connection_checks.py).
        "DB_PING_IDLE_SECONDS": float(os.environ.get("PORTAL_DB_PING_IDLE_SECONDS", "10")),
        # Recordings, uploads awaiting confirmation and exports (portal/core/storage.py):
        # a folder on this machine, or an S3-protocol bucket shared by every node.
        "STORAGE_BACKEND": os.environ.get("PORTAL_STORAGE", "local"),
        "STORAGE_DIR": os.environ.get("PORTAL_STORAGE_DIR") or str(instance_path),
        "S3_BUCKET": os.environ.get("PORTAL_S3_BUCKET", ""),
        "S3_PREFIX": os.environ.get("PORTAL_S3_PREFIX", ""),
        "S3_ENDPOINT": os.environ.get("PORTAL_S3_ENDPOINT") or None,
        "S3_REGION": os.environ.get("PORTAL_S3_REGION") or None,
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # Background jobs (portal/core/jobs.py): a job whose worker sent no sign of life
        # for this long is retried or failed; at most this many waiting or running.
        "JOB_STALLED_SECONDS": int(os.environ.get("PORTAL_JOB_STALLED_SECONDS", "300")),
        "JOBS_MAX_OPEN": int(os.environ.get("PORTAL_JOBS_MAX_OPEN", "50")),
        # One recording; a whole upload of recordings with their manifest.
        "RECORDING_MAX_MB": int(os.environ.get("PORTAL_RECORDING_MAX_MB", "50")),
        "RECORDING_BATCH_MAX_MB": int(os.environ.get("PORTAL_RECORDING_BATCH_MAX_MB", "500")),
        # Phone, ID and card numbers and emails in transcripts are masked as they
        # arrive (reviews/masking.py) and the original is never stored; 0 keeps them.
        "TRANSCRIPT_MASKING": os.environ.get("PORTAL_TRANSCRIPT_MASKING", "1") != "0",
        "REVIEW_DISPUTE_DAYS": int(os.environ.get("PORTAL_REVIEW_DISPUTE_DAYS", "7")),
        # Which rubric scores each channel automatically (autoqa/auto_score.py), as
        # "channel=slug,…"; unset: goi-dien for phone calls, chat-email for the rest.
        "AUTOQA_RUBRICS": _pairs(os.environ.get("PORTAL_AUTOQA_RUBRICS", "")),
        "LOGIN_MAX_FAILURES": int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("PORTAL_LOGIN_LOCK_MINUTES", "15")),
        # Failed login posts per client address (the per-account lock is above);
        # memory:// counts per worker, redis://host:6379/0 shares one count.
        "LOGIN_RATE_LIMIT": os.environ.get(
            "PORTAL_LOGIN_RATE_LIMIT", "20 per minute; 100 per hour"
        ),
        "RATELIMIT_STORAGE_URI": os.environ.get("PORTAL_RATELIMIT_STORAGE_URI", "memory://"),
        # API calls per integration token (portal/integrations/throttle.py), counted
        # in the same storage as the login limit.
        "API_RATE_LIMIT": os.environ.get("PORTAL_API_RATE_LIMIT", "600 per minute"),
        # A recording fetched for a webhook (portal/integrations/fetching.py) must
        # arrive within this many seconds (and RECORDING_MAX_MB).
        "FETCH_TIMEOUT_SECONDS": int(os.environ.get("PORTAL_FETCH_TIMEOUT_SECONDS", "120")),
        # The drop folder (portal/integrations/drop_folder.py): batches of recordings
        # with their manifest left under <folder>/incoming/ (an SFTP landing); unset,
        # nothing is scanned. A batch is taken once still for SETTLE seconds.
        "DROP_FOLDER": os.environ.get("PORTAL_DROP_FOLDER", ""),
        "DROP_SETTLE_SECONDS": int(os.environ.get("PORTAL_DROP_SETTLE_SECONDS", "60")),
        "DROP_SOURCE": os.environ.get("PORTAL_DROP_SOURCE", "drop-folder"),
        # Reverse proxies in front whose X-Forwarded-For names the client.
        "TRUSTED_PROXIES": int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0")),
        "PASSWORD_HASH_METHOD": "scrypt",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PORTAL_SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session: no lost forms after lunch
    }
