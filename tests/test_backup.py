"""Backup and restore: a populated portal (the demo team with its recordings, plus an
export and an upload waiting) is backed up with `flask portal backup` while it runs,
and restored with `flask portal restore` into a second instance with its own empty
database (another SQLite file, or another PostgreSQL database) and its own storage.
Every table's rows and every stored file come back, and a person can log in there
and play a recording."""

import hashlib
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accounts.models import Team, User
from portal.backup import write_backup
from portal.backup.dump import AREAS
from portal.core.extensions import db
from portal.core.storage import storage
from portal.demo import setup_demo
from quizzes.models import QuestionCategory
from reviews.models import Interaction, Review, RubricVersion
from tests.conftest import csrf_token
from tests.test_storage import BUCKET, s3_endpoint  # noqa: F401 (the moto server fixture)

WORKBOOK = b"PK\x03\x04 an HR workbook " + bytes(range(256)) * 40


@pytest.fixture
def populated(app, tmp_path):
    """The demo instance, plus an export and an uploaded roster awaiting confirmation;
    returns the demo logins."""
    logins = setup_demo(str(tmp_path))
    storage().save(f"exports/{uuid.uuid4().hex}.xlsx", WORKBOOK)
    storage().save(f"uploads/roster/{uuid.uuid4().hex}.xlsx", WORKBOOK[::-1])
    return {login["email"]: login["password"] for login in logins}


@pytest.fixture
def second(app, tmp_path, request):
    """second(storage="local"|"s3"): another instance, its database and storage empty."""
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    made, databases = [], []

    def make(backend="local"):
        if source.drivername.startswith("postgresql"):
            name = f"{source.database}_restore{len(made) or ''}"
            admin = create_engine(source, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            databases.append(name)
            url = source.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp_path / f'restored{len(made)}.db'}"
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_DIR": str(tmp_path / f"restored-files{len(made)}"),
            "QUEUE_IMMEDIATE": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SECRET_KEY": "another-machine",
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }
        if backend == "s3":
            config |= {
                "STORAGE_BACKEND": "s3",
                "S3_BUCKET": BUCKET,
                "S3_PREFIX": f"restored-{uuid.uuid4().hex}",
                "S3_ENDPOINT": request.getfixturevalue("s3_endpoint"),
            }
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    if databases:
        admin = create_engine(source, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _in(instance, command: list[str]):
    """`flask portal ...` run against that instance (its own app context: the suite keeps
    the first app's context open, and Flask's CLI would otherwise reuse it)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=["portal", *command])


def _rows(instance) -> dict[str, int]:
    with instance.app_context(), db.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def _files(instance) -> dict[str, str]:
    with instance.app_context():
        stored, sums = storage(), {}
        for area in AREAS:
            for key in stored.keys(area):
                with stored.open(key) as source:
                    sums[key] = hashlib.sha256(source.read()).hexdigest()
        return sums


def _tables(instance) -> list[str]:
    with instance.app_context():
        return inspect(db.engine).get_table_names()


def test_a_backup_restores_into_an_empty_instance_exactly(app, runner, populated, second, tmp_path):
    archive = tmp_path / "portal.zip"
    result = runner.invoke(args=["portal", "backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    rows, files = _rows(app), _files(app)
    assert f"{len(rows)} tables, {sum(rows.values())} rows, {len(files)} files" in result.output
    assert rows["users"] == 8 and rows["outcome_records"] > 100
    assert {key.split("/")[0] for key in files} == {"recordings", "exports", "uploads"}

    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    with db.engine.connect() as conn:
        assert (
            manifest["schema_revision"] == MigrationContext.configure(conn).get_current_revision()
        )
    assert manifest["database_dialect"] == db.engine.dialect.name
    assert {name: entry["rows"] for name, entry in manifest["tables"].items()} == rows
    assert {key: entry["sha256"] for key, entry in manifest["files"].items()} == files

    restored = second()
    result = _in(restored, ["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"{sum(rows.values())} rows, {len(files)} files" in result.output
    assert _rows(restored) == rows
    assert _files(restored) == files

    # Values come back exactly: Vietnamese text, an instant with its time zone, JSON.
    lan = db.session.scalar(select(User).where(User.email == "nhanvien@demo.local"))
    call = db.session.scalar(select(Interaction).order_by(Interaction.id))
    reviewed = next(r for r in db.session.scalars(select(Review)) if r.field_values)
    version = db.session.scalar(select(RubricVersion).order_by(RubricVersion.id))
    last_team = db.session.scalar(select(func.max(Team.id)))
    sub_category = db.session.scalar(select(QuestionCategory).where(QuestionCategory.parent_id > 0))
    with restored.app_context():
        again = db.session.get(User, lan.id)
        assert (again.name, again.password_hash, again.hire_date) == (
            "Nguyễn Thị Lan",
            lan.password_hash,
            lan.hire_date,
        )
        moment = db.session.get(Interaction, call.id).occurred_at
        assert moment == call.occurred_at and moment.utcoffset() is not None
        assert db.session.get(Review, reviewed.id).field_values == {"ly-do-goi": "Đổi trả"}
        assert db.session.get(RubricVersion, version.id).structure == version.structure
        assert db.session.get(QuestionCategory, sub_category.id).parent_id == sub_category.parent_id
        # New rows get fresh ids (PostgreSQL's sequences were moved past the restored ids).
        team = Team(name="Nhóm mới sau khôi phục", description="")
        db.session.add(team)
        db.session.commit()
        assert team.id == last_team + 1

    # On the restored instance a supervisor logs in with the old password and plays a call.
    client = restored.test_client()
    answer = client.post(
        "/login",
        data={
            "email": "giamsat@demo.local",
            "password": populated["giamsat@demo.local"],
            "csrf_token": csrf_token(client),
        },
    )
    assert answer.status_code == 303
    played = client.get(f"/reviews/interactions/{call.id}/recording")
    assert played.status_code == 200
    assert hashlib.sha256(played.data).hexdigest() == files[f"recordings/{call.recording_file}"]

    # The restored instance now holds data: a second restore is refused and changes nothing...
    refused = _in(restored, ["restore", str(archive)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    # (playing the call above was logged: reviews/access_log.py)
    assert _rows(restored) == rows | {
        "teams": rows["teams"] + 1,
        "recording_accesses": rows["recording_accesses"] + 1,
    }
    # ...unless forced, which puts back exactly what the archive holds.
    forced = _in(restored, ["restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _rows(restored) == rows


def _rewritten(archive: Path, member: str, change, name: str) -> Path:
    """A copy of the archive, a valid zip, with one member's bytes changed."""
    copy = archive.with_name(name)
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(copy, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, change(data) if info.filename == member else data)
    return copy


def _damage(archive: Path, member: str, how: str) -> Path:
    if how == "rewritten":  # a valid zip whose member is not the one the manifest describes
        flip = lambda data: data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]  # noqa: E731
        return _rewritten(archive, member, flip, "damaged-rewritten.zip")
    damaged = archive.with_name(f"damaged-{how}.zip")
    shutil.copy(archive, damaged)  # one byte of the member's stored data flipped on disk
    with zipfile.ZipFile(archive) as source:
        info = source.getinfo(member)
    with open(damaged, "r+b") as raw:
        raw.seek(info.header_offset + 26)
        header = raw.read(4)
        start = info.header_offset + 30 + int.from_bytes(header[:2], "little")
        start += int.from_bytes(header[2:], "little")
        raw.seek(start + info.compress_size // 2)
        byte = raw.read(1)
        raw.seek(-1, 1)
        raw.write(bytes([byte[0] ^ 0xFF]))
    return damaged


@pytest.mark.parametrize("how", ["rewritten", "flipped"])
def test_a_damaged_archive_is_refused_naming_the_file_and_nothing_is_written(
    app, runner, populated, second, tmp_path, how
):
    archive = tmp_path / "portal.zip"
    assert runner.invoke(args=["portal", "backup", "--output", str(archive)]).exit_code == 0
    recording = sorted(key for key in _files(app) if key.startswith("recordings/"))[0]
    damaged = _damage(archive, f"files/{recording}", how)

    restored = second()
    result = _in(restored, ["restore", str(damaged)])
    assert result.exit_code == 1
    assert f"files/{recording}" in result.output and "Nothing was written" in result.output
    assert _tables(restored) == []  # not even the schema
    assert _files(restored) == {}


def test_rows_written_while_the_backup_runs_are_not_half_in_it(app, populated, tmp_path):
    before = _rows(app)
    written = []

    def someone_writes(table, rows):  # after the first table is read, a team is added
        if not written:
            with db.engine.begin() as conn:
                conn.execute(
                    insert(Team).values(name="Nhóm thêm trong lúc sao lưu", description="")
                )
            written.append(table)

    summary = write_backup(tmp_path / "running.zip", progress=someone_writes)
    manifest = json.loads(zipfile.ZipFile(summary.path).read("manifest.json"))
    assert {name: entry["rows"] for name, entry in manifest["tables"].items()} == before
    assert _rows(app)["teams"] == before["teams"] + 1


def test_a_backup_from_a_folder_restores_into_a_bucket_and_back(
    app, runner, populated, second, tmp_path
):
    archive = tmp_path / "portal.zip"
    assert runner.invoke(args=["portal", "backup", "--output", str(archive)]).exit_code == 0
    on_s3 = second("s3")
    result = _in(on_s3, ["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert _files(on_s3) == _files(app) and _rows(on_s3) == _rows(app)
    # Backed up from the bucket, the same files and rows come out.
    again = tmp_path / "from-s3.zip"
    assert _in(on_s3, ["backup", "--output", str(again)]).exit_code == 0
    first, second_manifest = (
        json.loads(zipfile.ZipFile(path).read("manifest.json")) for path in (archive, again)
    )
    assert second_manifest["files"] == first["files"]
    assert second_manifest["tables"] == first["tables"]


def test_a_backup_never_overwrites_and_what_restore_cannot_use_is_refused(
    app, runner, second, make, tmp_path
):
    existing = tmp_path / "kept.zip"
    existing.write_bytes(b"an older backup")
    result = runner.invoke(args=["portal", "backup", "--output", str(existing)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert existing.read_bytes() == b"an older backup"
    restored = second()
    result = _in(restored, ["restore", str(existing)])
    assert result.exit_code == 1 and "not a readable backup archive" in result.output

    make.user(name="Hồ Thị Mai")
    archive = tmp_path / "portal.zip"
    assert runner.invoke(args=["portal", "backup", "--output", str(archive)]).exit_code == 0

    def from_elsewhere(data):  # written by a portal whose migrations this one lacks
        return json.dumps(json.loads(data) | {"schema_revision": "0123456789ab"}).encode()

    def newer_format(data):
        return json.dumps(json.loads(data) | {"format_version": 2}).encode()

    for change, said in (
        (from_elsewhere, "0123456789ab is not among this portal's migrations"),
        (newer_format, "format version 2; this portal reads version 1"),
    ):
        odd = _rewritten(archive, "manifest.json", change, f"{change.__name__}.zip")
        result = _in(restored, ["restore", str(odd)])
        assert result.exit_code == 1 and said in result.output, result.output
        assert "Nothing was written" in result.output
    assert _tables(restored) == []
