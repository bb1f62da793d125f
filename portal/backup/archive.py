"""The archive file: one zip holding `manifest.json`, `database/<table>.jsonl` and
`files/<storage key>`, every member's size and SHA-256 in the manifest.

Members are streamed in and out (a member is never held whole in memory). The
manifest is written last, when the counts and checksums are known; a zip's central
directory lets a reader open it first all the same.
"""

import hashlib
import io
import json
import os
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from portal.core.storage import KEY

FORMAT = "care-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# Compressed already: deflating them again costs time and saves nothing.
STORED_SUFFIXES = {".xlsx", ".zip", ".gz", ".mp3", ".ogg", ".opus", ".m4a", ".webm", ".png"}
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


class ArchiveError(Exception):
    """The archive cannot be used; the message says which part and why."""


def table_member(table: str) -> str:
    return f"database/{table}.jsonl"


def file_member(key: str) -> str:
    return f"files/{key}"


class _Hashing:
    """A member being written: counts and hashes what passes through."""

    def __init__(self, out: BinaryIO):
        self.out, self.size, self.digest = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.size += len(data)
        self.digest.update(data)

    def entry(self) -> dict:
        return {"size": self.size, "sha256": self.digest.hexdigest()}


class ArchiveWriter:
    """Writes `.<name>.partial` beside the target and renames it into place only
    when the manifest is in, so an interrupted backup never looks like a whole one.
    The file is readable by its owner only: it holds password hashes and recordings."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.file = os.fdopen(descriptor, "wb")
        self.zip = zipfile.ZipFile(self.file, "w", allowZip64=True)

    def __enter__(self) -> "ArchiveWriter":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:  # an unfinished archive is removed, never left half-written
            self.zip.close()
            self.file.close()
            self.partial.unlink(missing_ok=True)

    @contextmanager
    def member(self, name: str) -> Iterator[_Hashing]:
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        stored = Path(name).suffix.lower() in STORED_SUFFIXES
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        with self.zip.open(info, "w", force_zip64=True) as out:
            yield _Hashing(out)

    def copy(self, name: str, source: BinaryIO) -> dict:
        """A stream as one member; returns its size and SHA-256."""
        with self.member(name) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        return out.entry()

    def finish(self, manifest: dict) -> int:
        """Write the manifest, close and rename into place; returns the archive's size."""
        with self.member(MANIFEST) as out:
            out.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        self.zip.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.partial, self.path)
        return self.path.stat().st_size


class _Checked(io.RawIOBase):
    """A member being read: at its end the size and SHA-256 must match the manifest."""

    def __init__(self, raw: BinaryIO, member: str, expected: dict):
        self.raw, self.member, self.expected = raw, member, expected
        self.size, self.digest, self.ended = 0, hashlib.sha256(), False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.raw.read(len(buffer))
        except _READ_ERRORS as error:
            raise ArchiveError(f"{self.member} is damaged in the archive ({error})") from error
        if not data:
            self._check()
            return 0
        buffer[: len(data)] = data
        self.size += len(data)
        self.digest.update(data)
        return len(data)

    def _check(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self.size != self.expected["size"] or (
            self.digest.hexdigest() != self.expected["sha256"]
        ):
            raise ArchiveError(
                f"{self.member} does not match its SHA-256 in the manifest: the archive is damaged"
            )


class ArchiveReader:
    """An archive opened for restoring: the manifest read and checked first."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as error:
            raise ArchiveError(f"{path} is not a readable backup archive ({error})") from error
        self.manifest = self._manifest()

    def close(self) -> None:
        self.zip.close()

    def _manifest(self) -> dict:
        try:
            manifest = json.loads(self.zip.read(MANIFEST))
        except KeyError as error:
            raise ArchiveError("the archive has no manifest.json: not a portal backup") from error
        except (*_READ_ERRORS, ValueError) as error:
            raise ArchiveError(f"manifest.json is damaged in the archive ({error})") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveError("manifest.json does not describe a portal backup")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise ArchiveError(
                f"the archive has format version {version}; this portal reads version "
                f"{FORMAT_VERSION} (restore it with the portal version that wrote it)"
            )
        try:
            for entry in [*manifest["tables"].values(), *manifest["files"].values()]:
                int(entry["size"]), str(entry["sha256"])
            for table in manifest["tables"].values():
                int(table["rows"]), list(table["columns"])
            str(manifest["schema_revision"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ArchiveError(f"manifest.json is incomplete ({error!r})") from error
        for key in manifest["files"]:
            if not KEY.match(key) or ".." in key:
                raise ArchiveError(f"manifest.json names a file that is not a storage key: {key}")
        return manifest

    def members(self) -> list[tuple[str, dict]]:
        """Every member the manifest describes, with its expected size and checksum."""
        tables = [(table_member(n), e) for n, e in self.manifest["tables"].items()]
        return tables + [(file_member(k), e) for k, e in self.manifest["files"].items()]

    @contextmanager
    def open(self, member: str, expected: dict) -> Iterator[io.BufferedReader]:
        """A member as a stream that raises ArchiveError at its end if it is not the
        member the manifest describes (or before, if the zip data itself is broken)."""
        try:
            raw = self.zip.open(member)
        except KeyError as error:
            raise ArchiveError(f"{member} is missing from the archive") from error
        except _READ_ERRORS as error:
            raise ArchiveError(f"{member} is damaged in the archive ({error})") from error
        with raw, io.BufferedReader(_Checked(raw, member, expected), CHUNK) as stream:
            yield stream

    def verify(self) -> int:
        """Read every member through its checksum; returns the bytes read."""
        total = 0
        for member, expected in self.members():
            with self.open(member, expected) as stream:
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
        return total
