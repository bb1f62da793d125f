"""Stored files (recordings, uploads awaiting confirmation, exports) behind one small
interface, so that several app nodes can share them.

Two backends, chosen by configuration:
- `local` (default): a folder (PORTAL_STORAGE_DIR, by default the instance folder;
  keys map to the same paths the portal used before, e.g. `recordings/…`);
- `s3`: any S3-protocol bucket (PORTAL_S3_BUCKET, PORTAL_S3_ENDPOINT for MinIO, Ceph
  or a test server; credentials from boto3's usual environment variables).

Keys are `area/name` with generated names; nothing a person types becomes a key.

Serving from S3 streams through the app (the Range header is passed on to the bucket
and its 206 answer relayed) rather than redirecting to a presigned URL: a recording
is personal data, and a presigned URL is a bearer link that works for anyone who
copies it until it expires; streaming keeps the permission check on every request,
keeps the CSP's `media-src 'self'`, and lets the bucket stay unreachable from
browsers. The cost is the node's bandwidth, which recordings of a few MB can afford.
"""

import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import Flask, Response, current_app, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

KEY = re.compile(r"^[a-z_]+(/[a-z0-9_]+)*/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,120}$")
# Every area a key may start with (backups copy all of them).
AREAS = ("recordings", "uploads", "exports")
CHUNK = 256 * 1024


class StorageError(Exception):
    """A stored file could not be written or read (the backend's own error inside)."""


def _checked(key: str) -> str:
    if not KEY.match(key) or ".." in key or key.split("/", 1)[0] not in AREAS:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a folder of this machine (one node, or a shared mount)."""

    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def save(self, key: str, source: bytes | BinaryIO) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed into place, so a reader never sees half a file.
        partial = path.with_name(f".{path.name}.partial")
        with open(partial, "wb") as out:
            if isinstance(source, bytes):
                out.write(source)
            else:
                shutil.copyfileobj(source, out, CHUNK)
        partial.replace(path)
        return path.stat().st_size

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as error:
            raise StorageError(f"{key} is not stored") from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, area: str) -> Iterator[str]:
        folder = self.root / area
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    def serve(self, key: str, mimetype: str, download_name: str | None = None) -> Response:
        path = self._path(key)
        if not path.is_file():
            raise StorageError(f"{key} is not stored")
        # Werkzeug answers Range requests (206) from the file itself.
        return send_file(
            path,
            mimetype=mimetype,
            conditional=True,
            max_age=0,
            as_attachment=download_name is not None,
            download_name=download_name,
        )


class S3Storage:
    """Files in an S3-protocol bucket, shared by every node."""

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "", endpoint: str | None = None, region=None):
        import boto3  # only nodes configured for S3 load boto3 (it takes ~0.3 s)
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            region_name=region or "us-east-1",
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError

        return (BotoCoreError, ClientError)

    def save(self, key: str, source: bytes | BinaryIO) -> int:
        body = io.BytesIO(source) if isinstance(source, bytes) else source
        try:
            # upload_fileobj sends big files in parts; S3 makes an object visible
            # only when it is complete.
            self.client.upload_fileobj(body, self.bucket, self._key(key))
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]
        except self._errors() as error:
            raise StorageError(str(error)) from error

    def open(self, key: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self._errors() as error:
            raise StorageError(f"{key} is not stored") from error
        return answer["Body"]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except self._errors():
            return False

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except self._errors() as error:
            raise StorageError(str(error)) from error

    def keys(self, area: str) -> Iterator[str]:
        start = f"{self.prefix}/{area}/" if self.prefix else f"{area}/"
        skip = len(self.prefix) + 1 if self.prefix else 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][skip:]
        except self._errors() as error:
            raise StorageError(f"the bucket could not be listed: {error}") from error

    def serve(self, key: str, mimetype: str, download_name: str | None = None) -> Response:
        asked = {}
        wanted = request.range  # Werkzeug's parse; only a single byte range is passed on
        if wanted is not None and wanted.units == "bytes" and len(wanted.ranges) == 1:
            asked["Range"] = request.headers["Range"]
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **asked)
        except self._errors() as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code == "InvalidRange":  # as Werkzeug answers for a local file
                raise RequestedRangeNotSatisfiable() from error
            raise StorageError(f"{key} is not stored") from error
        body = answer["Body"]
        response = Response(
            body.iter_chunks(CHUNK),
            status=206 if answer.get("ContentRange") else 200,
            mimetype=mimetype,
            direct_passthrough=True,
        )
        response.headers["Content-Length"] = str(answer["ContentLength"])
        response.headers["Accept-Ranges"] = "bytes"
        if answer.get("ContentRange"):
            response.headers["Content-Range"] = answer["ContentRange"]
        if download_name is not None:
            response.headers.set("Content-Disposition", "attachment", filename=download_name)
        response.call_on_close(body.close)
        return response


@contextmanager
def seekable(key: str) -> Iterator[BinaryIO]:
    """A stored file that openpyxl or zipfile can seek in: the file itself on the
    local backend, a spooled copy of the object on S3. StorageError when it is gone."""
    backend = storage()
    with backend.open(key) as stored:
        if stored.seekable() if hasattr(stored, "seekable") else False:
            yield stored
            return
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as copy:
            shutil.copyfileobj(stored, copy, CHUNK)
            copy.seek(0)
            yield copy


def make_storage(config: dict) -> LocalStorage | S3Storage:
    if config.get("STORAGE_BACKEND", "local") == "s3":
        return S3Storage(
            config["S3_BUCKET"],
            prefix=config.get("S3_PREFIX", ""),
            endpoint=config.get("S3_ENDPOINT"),
            region=config.get("S3_REGION"),
        )
    return LocalStorage(config["STORAGE_DIR"])


def init_app(app: Flask) -> None:
    app.extensions["portal_storage"] = make_storage(app.config)


def storage() -> LocalStorage | S3Storage:
    """This app's storage (set up once by the app factory)."""
    return current_app.extensions["portal_storage"]
