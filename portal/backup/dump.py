"""Writing a backup while the portal runs: one snapshot of the database, then the
stored files, then the manifest."""

import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Connection,
    MetaData,
    Table,
    Text,
    cast,
    create_engine,
    select,
    type_coerce,
)
from sqlalchemy.pool import NullPool

from portal.backup.archive import FORMAT, FORMAT_VERSION, ArchiveWriter, file_member, table_member
from portal.backup.values import encode, encode_json
from portal.core.extensions import db
from portal.core.storage import AREAS, StorageError, storage

# Every area the portal stores files in (portal/core/storage.py): recordings,
# uploads awaiting confirmation, finished exports.
BATCH = 2000
_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class BackupError(Exception):
    """The backup could not be written; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0
    gone: list[str] = field(default_factory=list)  # listed, then deleted before copied


def default_name(now: datetime) -> str:
    return f"portal-backup-{now:%Y%m%d-%H%M%S}Z.zip"


@contextmanager
def snapshot(work_dir: Path) -> Iterator[Connection]:
    """A connection that sees every table as of one moment, whatever is written meanwhile.

    PostgreSQL: one REPEATABLE READ, READ ONLY transaction (every query in it reads
    the snapshot taken at its first). SQLite: the sqlite3 online backup API copies
    the file page by page into a temporary file (restarting if a writer changes a
    page meanwhile), and the dump reads that copy.
    """
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with db.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn
    elif dialect == "sqlite":
        copy = work_dir / "snapshot.db"
        with db.engine.connect() as live:
            target = sqlite3.connect(copy)
            try:
                live.connection.driver_connection.backup(target)
            finally:
                target.close()
        engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with engine.connect() as conn, conn.begin():
                yield conn
        finally:
            engine.dispose()
    else:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {dialect}")


def _selected(table: Table) -> tuple[list, set[str]]:
    """The columns to read, typed as the models declare them (so SQLite's stored text
    comes back as aware datetimes, booleans, dates); JSON columns read as their text."""
    model = db.metadata.tables.get(table.name)
    columns, documents = [], set()
    for column in table.columns:
        declared = model.columns.get(column.name) if model is not None else None
        kind = declared.type if declared is not None else column.type
        if isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
            columns.append(cast(column, Text).label(column.name))
            documents.add(column.name)
        else:
            columns.append(type_coerce(column, kind).label(column.name))
    return columns, documents


def _dump_table(conn: Connection, table: Table, out) -> int:
    columns, documents = _selected(table)
    names = [column.name for column in columns]
    codecs = [encode_json if name in documents else encode for name in names]
    query = select(*columns).order_by(*table.primary_key.columns)
    rows = 0
    result = conn.execution_options(yield_per=BATCH).execute(query)
    for batch in result.partitions():
        lines = [
            _line({name: code(value) for name, code, value in zip(names, codecs, row, strict=True)})
            for row in batch
        ]
        out.write(("\n".join(lines) + "\n").encode())
        rows += len(lines)
    return rows


def _revision(conn: Connection) -> str:
    heads = MigrationContext.configure(conn).get_current_heads()
    if len(heads) != 1:
        raise BackupError(
            "the database has no schema revision (run `flask db upgrade`)"
            if not heads
            else f"the database is at several schema revisions at once: {', '.join(heads)}"
        )
    return heads[0]


def write_backup(
    output: Path | None = None, *, progress: Callable[[str, int], None] | None = None
) -> BackupSummary:
    """Write one archive of the database and every stored file; returns what it holds.

    `progress(table, rows)` is called after each table is read (for a caller that
    shows progress). The database is read first, the files after: a file a row
    names is saved before that row is committed, so every file the snapshot refers
    to is there to copy unless it was deleted in the meantime (an expired export);
    those are listed in the summary's `gone`.
    """
    started, now = time.monotonic(), datetime.now(UTC)
    output = Path(output) if output else Path.cwd() / default_name(now)
    if output.exists():
        raise BackupError(f"{output} exists already; choose another --output")
    output.parent.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(path=output)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": now.isoformat(),
        "schema_revision": None,  # the alembic head in the database, read in the snapshot
        "database_dialect": db.engine.dialect.name,
        "tables": {},
        "files": {},
    }
    with (
        tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work,
        ArchiveWriter(output) as archive,
    ):
        with snapshot(Path(work)) as conn:
            manifest["schema_revision"] = _revision(conn)
            schema = MetaData()
            schema.reflect(conn)
            for table in schema.sorted_tables:
                if table.name == "alembic_version":
                    continue
                with archive.member(table_member(table.name)) as out:
                    rows = _dump_table(conn, table, out)
                columns = [c.name for c in table.columns]
                manifest["tables"][table.name] = {"rows": rows, "columns": columns, **out.entry()}
                summary.tables, summary.rows = summary.tables + 1, summary.rows + rows
                if progress:
                    progress(table.name, rows)
        stored = storage()
        for area in AREAS:
            for key in stored.keys(area):
                try:
                    source = stored.open(key)
                except StorageError:
                    summary.gone.append(key)
                    continue
                with source:
                    entry = archive.copy(file_member(key), source)
                manifest["files"][key] = entry
                summary.files, summary.file_bytes = (
                    summary.files + 1,
                    summary.file_bytes + entry["size"],
                )
        summary.seconds = time.monotonic() - started
        manifest["seconds"] = round(summary.seconds, 3)
        summary.archive_bytes = archive.finish(manifest)
    return summary
