"""Configuration from the environment; nothing secret lives in the code."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once and kept under instance/."""
    if os.environ.get("PORTAL_SECRET_KEY"):
        return os.environ["PORTAL_SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = (
        os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance_path / 'portal.db'}"
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": str(instance_path / "uploads"),
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "LOGIN_MAX_FAILURES": int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("PORTAL_LOGIN_LOCK_MINUTES", "15")),
        "PASSWORD_HASH_METHOD": "scrypt",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PORTAL_SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session: no lost forms after lunch
    }
