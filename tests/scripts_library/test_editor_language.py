"""Every validation message of the script editor speaks the person's language,
the rows of placeholders and blocks included (they are forms of their own)."""

import re

from tests.scripts_library.test_authoring import _form

ENGLISH = ("Field ", "Not a valid", "This field", "Invalid ", "must be")


def _errors(page: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', page)


def _bad_edit(session, script, lock="0"):
    return session.post(
        f"/scripts/{script.slug}/edit",
        _form(
            script,
            lock_version=lock,
            title="",
            **{
                "blocks-0-text": "Dạ " * 1400,  # 4,200 characters: the limit is 4,000
                "blocks-0-kind": "whatever",
                "blocks-0-key": "Có Dấu",
                "blocks-1-choices": "x" * 2100,
                "placeholders-0-label": "n" * 90,
                "placeholders-0-default": "d" * 210,
                "placeholders-0-name": "Tên",
            },
        ),
    )


def test_every_editor_message_is_vietnamese_in_the_vietnamese_ui(scripts, login_as):
    writer = login_as("supervisor")
    response = _bad_edit(writer, scripts["xin-loi-khieu-nai"])
    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    assert len(errors) >= 7, errors
    assert "Không được dài quá 4000 ký tự." in errors
    assert not [e for e in errors if any(word in e for word in ENGLISH)], errors


def test_and_english_in_the_english_ui(scripts, login_as):
    writer = login_as("supervisor")
    writer.post("/language", {"locale": "en", "next": "/"})
    errors = _errors(_bad_edit(writer, scripts["xin-loi-khieu-nai"]).get_data(as_text=True))
    assert "Field cannot be longer than 4000 characters." in errors
