"""Rebuilding an instance from an archive: checks first, then the schema, the files,
and every row in one transaction."""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    MetaData,
    Table,
    and_,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.schema import sort_tables_and_constraints

from portal.backup.archive import ArchiveError, ArchiveReader, file_member, table_member
from portal.backup.values import decode
from portal.core import fragments
from portal.core.extensions import db
from portal.core.storage import StorageError, storage

BATCH = 1000


class RestoreRefused(Exception):
    """Nothing was restored; the message says why and what to do."""


@dataclass
class RestoreSummary:
    revision: str
    tables: int
    rows: int
    files: int
    file_bytes: int
    seconds: float
    replaced_rows: int  # rows that were in the database before (--force)


def _rows_held(conn: Connection) -> dict[str, int]:
    schema = MetaData()
    schema.reflect(conn)
    held = {}
    for table in schema.sorted_tables:
        if table.name != "alembic_version":
            count = conn.scalar(select(func.count()).select_from(table))
            if count:
                held[table.name] = count
    return held


def _check_revision(revision: str) -> None:
    """The archive's revision must be one of this code's, and the database must be at
    it or before it (migrations only go forward here)."""
    config = current_app.extensions["migrate"].migrate.get_config()
    scripts = ScriptDirectory.from_config(config)
    try:
        known = {script.revision for script in scripts.iterate_revisions(revision, "base")}
    except (CommandError, RevisionError) as error:
        raise RestoreRefused(
            f"the archive's schema revision {revision} is not among this portal's migrations: "
            "it was written by another version of the portal; restore it with that version"
        ) from error
    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    ahead = [head for head in heads if head not in known]
    if ahead:
        raise RestoreRefused(
            f"the database's schema is at revision {', '.join(ahead)}, past the archive's "
            f"{revision}: restore into a new, empty database (or `flask db downgrade {revision}`)"
        )


def _table_for_rows(live: Table, columns: list[str]) -> Table:
    """The archive's columns with the types the models give them (the reflected type
    otherwise), and no defaults: rows go in exactly as they were read. JSON columns
    write SQL NULL for None, and a JSON `null` for the JSON.NULL the decoder gives."""
    model = db.metadata.tables.get(live.name)
    typed = []
    for name in columns:
        declared = model.columns.get(name) if model is not None else None
        kind = declared.type if declared is not None else live.columns[name].type
        if isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
            kind = JSON(none_as_null=True)
        typed.append(Column(name, kind, primary_key=live.columns[name].primary_key))
    return Table(live.name, MetaData(), *typed)


def _late_columns(schema: MetaData) -> dict[str, set[str]]:
    """Foreign-key columns filled in after every row is in: those pointing at their own
    table (question categories' parent) and any that close a cycle between tables."""
    late: dict[str, set[str]] = {}
    cycles = [
        constraint
        for table, constraints in sort_tables_and_constraints(schema.tables.values())
        if table is None
        for constraint in constraints
    ]
    for table in schema.tables.values():
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table is table or constraint in cycles:
                late.setdefault(table.name, set()).update(c.name for c in constraint.columns)
    return late


def _batch_writer(conn: Connection, target: Table) -> Callable[[list[dict]], None]:
    """How a batch of rows goes in: PostgreSQL's COPY (psycopg's executemany sends a
    statement per row, several times slower), an executemany elsewhere. Either way
    each value passes through its column type's bind processing (JSON, UTC times)."""
    if conn.dialect.name != "postgresql":
        return lambda batch: conn.execute(target.insert(), batch)
    dialect, quote = conn.dialect, conn.dialect.identifier_preparer
    columns = [
        (column.name, column.type.dialect_impl(dialect).bind_processor(dialect))
        for column in target.columns
    ]
    names = ", ".join(quote.quote(name) for name, _ in columns)
    statement = f"COPY {quote.format_table(target)} ({names}) FROM STDIN"

    def copy(batch: list[dict]) -> None:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as out:
            for row in batch:
                out.write_row([bind(row[n]) if bind else row[n] for n, bind in columns])

    return copy


def _insert_rows(conn: Connection, target: Table, stream, late: set[str]) -> int:
    """Rows in batches; late columns go in as NULL and are set once every row is in."""
    keys = [c.name for c in target.primary_key.columns] if late else []
    write = _batch_writer(conn, target)
    afterwards, batch, count = [], [], 0
    for line in stream:
        row = {n: decode(v) if type(v) is dict else v for n, v in json.loads(line).items()}
        if keys and any(row.get(name) is not None for name in late):
            afterwards.append({f"k_{k}": row[k] for k in keys} | {f"v_{c}": row[c] for c in late})
            row |= dict.fromkeys(late)
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            write(batch)
            batch = []
    if batch:
        write(batch)
    if afterwards:
        where = and_(*(target.c[k] == bindparam(f"k_{k}") for k in keys))
        values = {c: bindparam(f"v_{c}") for c in late}
        conn.execute(update(target).where(where).values(values), afterwards)
    return count


def _reset_sequences(conn: Connection, schema: MetaData) -> None:
    """PostgreSQL hands out ids from sequences the inserts above did not advance."""
    quote = conn.dialect.identifier_preparer
    for table in schema.sorted_tables:
        for column in table.primary_key.columns:
            name = quote.format_table(table)
            sequence = conn.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": name, "column": column.name},
            )
            if sequence:
                conn.execute(
                    text(
                        f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote.quote(column.name)})"
                        f" FROM {name}), 0) + 1, false)"
                    ),
                    {"sequence": sequence},
                )


def _empty(conn: Connection, schema: MetaData, late: dict[str, set[str]]) -> None:
    """--force: every row out, in the same transaction as the rows coming in."""
    tables = [t for t in schema.sorted_tables if t.name != "alembic_version"]
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for name, columns in late.items():  # references within a table or a cycle first
        conn.execute(update(schema.tables[name]).values(dict.fromkeys(columns)))
    for table in reversed(tables):
        conn.execute(table.delete())


def _check_fit(manifest: dict) -> None:
    """Every table and column of the archive exists in the schema just migrated."""
    with db.engine.connect() as conn:
        schema = MetaData()
        schema.reflect(conn)
    unknown = []
    for name, entry in manifest["tables"].items():
        live = schema.tables.get(name)
        if live is None:
            unknown.append(name)
        else:
            unknown += [f"{name}.{c}" for c in entry["columns"] if c not in live.columns]
    if unknown:
        raise RestoreRefused(
            f"the schema at revision {manifest['schema_revision']} has no "
            f"{', '.join(sorted(unknown))}: the archive does not fit this portal. Only the "
            "empty schema was written"
        )


def _restore_rows(manifest: dict, reader: ArchiveReader, force: bool) -> tuple[int, int]:
    """Every row of the archive, in foreign-key order, in one transaction; a failure
    rolls it all back and leaves the tables as empty as they were."""
    tables, restored = manifest["tables"], 0
    with db.engine.begin() as conn:
        schema = MetaData()
        schema.reflect(conn)
        late = _late_columns(schema)
        replaced = sum(_rows_held(conn).values())
        if replaced and not force:  # written since the check, by a portal left running
            raise RestoreRefused("rows appeared in the database while restoring; stop the portal")
        if replaced:
            _empty(conn, schema, late)
        for live in schema.sorted_tables:
            if live.name not in tables:
                continue
            entry = tables[live.name]
            target = _table_for_rows(live, entry["columns"])
            with reader.open(table_member(live.name), entry) as stream:
                restored += _insert_rows(conn, target, stream, late.get(live.name, set()))
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, schema)
        for name, entry in tables.items():
            count = conn.scalar(select(func.count()).select_from(schema.tables[name]))
            if count != entry["rows"]:
                raise ArchiveError(
                    f"{name}: {count} rows restored, the manifest says {entry['rows']}"
                )
    return restored, replaced


def restore_backup(
    path: Path, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> RestoreSummary:
    """Rebuild this instance from an archive written by `write_backup`.

    Refused before anything is written if the archive is damaged (every member is
    read through its checksum first), was written by another schema the code does
    not know, or the database holds data and `force` is not given. Then: migrations
    up to the archive's revision, the stored files, and every row in one transaction.
    Every failure is a RestoreRefused whose message says what was left written.
    """
    started = time.monotonic()
    say = progress or (lambda message: None)
    try:
        reader = ArchiveReader(Path(path))
    except ArchiveError as error:
        raise RestoreRefused(f"{error}. Nothing was written") from error
    try:
        manifest, revision = reader.manifest, reader.manifest["schema_revision"]
        try:
            _check_revision(revision)
            _check_empty(force)
            say("checking every member of the archive against its checksum…")
            reader.verify()
        except (ArchiveError, RestoreRefused) as error:
            raise RestoreRefused(f"{error}. Nothing was written") from error
        say(f"building the schema up to revision {revision}…")
        upgrade(revision=revision)
        _check_fit(manifest)
        say(f"restoring {len(manifest['files'])} stored files…")
        file_bytes = _restore_files(manifest, reader)
        say(f"restoring {len(manifest['tables'])} tables…")
        try:
            rows, replaced = _restore_rows(manifest, reader, force)
        except (ArchiveError, RestoreRefused) as error:
            raise RestoreRefused(
                f"{error}. No row was restored (the transaction was rolled back); "
                "the stored files are in place: run the restore again"
            ) from error
    finally:
        reader.close()
    # Cached fragments are keyed by version counters that the archive has just set
    # back: counting up again would meet keys of figures that are no longer true.
    fragments.forget_all()
    return RestoreSummary(
        revision=revision,
        tables=len(manifest["tables"]),
        rows=rows,
        files=len(manifest["files"]),
        file_bytes=file_bytes,
        seconds=time.monotonic() - started,
        replaced_rows=replaced,
    )


def _check_empty(force: bool) -> None:
    with db.engine.connect() as conn:
        held = _rows_held(conn)
    if held and not force:
        listed = ", ".join(f"{name}: {count}" for name, count in list(held.items())[:5])
        raise RestoreRefused(
            f"the database already holds data ({listed}{', …' if len(held) > 5 else ''} "
            "rows); restore into an empty database, or add --force to replace all of it"
        )


def _restore_files(manifest: dict, reader: ArchiveReader) -> int:
    """Every stored file, each checked as it is written; returns the bytes written."""
    stored, written = storage(), 0
    for key, entry in manifest["files"].items():
        with reader.open(file_member(key), entry) as stream:
            try:
                stored.save(key, stream)
            except (ArchiveError, StorageError) as error:
                stored.delete(key)
                raise RestoreRefused(
                    f"{key} could not be stored ({error}). The schema is built and "
                    f"{written} bytes of files are stored, but no row was restored"
                ) from error
        written += entry["size"]
    return written
