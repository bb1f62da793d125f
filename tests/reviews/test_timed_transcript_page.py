"""The review and interaction pages show a timed transcript as speaker turns whose
times seek the player; without one, the plain transcript as before."""

import re

from reviews import timed_transcripts
from reviews.models import TranscriptSegment

TURNS = [
    {"speaker": "agent", "start": 0.0, "end": 3.2, "text": "Dạ em chào anh."},
    {"speaker": "customer", "start": 65.5, "end": 70.0, "text": "Số anh là 0912 345 678."},
]


def test_the_review_page_shows_turns_with_times_that_seek(login_as, team, call, submitted, db):
    timed_transcripts.replace(call, TURNS)
    page = login_as(team["lead"]).get(f"/reviews/{submitted.id}").get_data(as_text=True)
    assert 'data-seek="0.00"' in page and 'data-seek="65.50"' in page
    assert re.search(r">00:00</button>\s*<strong>Nhân viên:</strong> Dạ em chào anh.", page)
    assert re.search(r">01:05</button>\s*<strong>Khách:</strong> Số anh là", page)
    assert "0912 345 678" not in page  # masked at intake
    assert '<pre class="transcript">' not in page


def test_the_interaction_page_shows_turns_and_english_labels(login_as, team, call, db):
    timed_transcripts.replace(call, TURNS)
    lead = login_as(team["lead"])
    with lead.client.session_transaction() as session:
        session["locale"] = "en"
    page = lead.get(f"/reviews/interactions/{call.id}").get_data(as_text=True)
    assert re.search(r">00:00</button>\s*<strong>Agent:</strong>", page)
    assert re.search(r">01:05</button>\s*<strong>Customer:</strong>", page)


def test_without_segments_the_plain_transcript_shows(login_as, team, call, submitted, db):
    page = login_as(team["lead"]).get(f"/reviews/{submitted.id}").get_data(as_text=True)
    assert '<pre class="transcript">Nhân viên: Alô.' in page and 'class="turn ' not in page


def test_the_plain_transcript_follows_the_turns_and_is_masked(call, db):
    timed_transcripts.replace(call, TURNS)
    db.session.expire_all()
    assert call.transcript.startswith("Nhân viên: Dạ em chào anh.\nKhách: Số anh là ")
    assert "0912 345 678" not in call.transcript
    assert all("0912" not in s.text for s in db.session.query(TranscriptSegment))


def test_the_review_page_queries_do_not_grow_with_the_turns(
    login_as, team, call, submitted, db, count_queries
):
    lead = login_as(team["lead"])
    url = f"/reviews/{submitted.id}"
    timed_transcripts.replace(call, TURNS)
    lead.get(url)  # first visit marks things read
    with count_queries() as few:
        assert lead.get(url).status_code == 200
    many = [
        {"speaker": ("agent", "customer")[i % 2], "start": i, "end": i + 1, "text": f"câu {i}"}
        for i in range(300)
    ]
    timed_transcripts.replace(call, many)
    lead.get(url)  # the same footing: the commit above expired what the first visit loaded
    with count_queries() as lots:
        page = lead.get(url).get_data(as_text=True)
    assert page.count("data-seek=") >= 300
    assert len(lots) == len(few)
