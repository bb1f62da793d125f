"""What a person typed is escaped wherever a translated message quotes it."""

from flask import render_template_string
from flask_babel import lazy_gettext as _l


def test_a_lazy_message_quoting_input_is_escaped(app):
    typed = "<script>alert(1)</script>"
    with app.test_request_context():
        message = _l("Not a host name or host:port: %(entries)s", entries=typed)
        alone = render_template_string("{{ m }}", m=message)
        joined = render_template_string("{{ ms | map('string') | join(' ') }}", ms=[message])
    for page in (alone, joined):
        assert "<script>" not in page and "&lt;script&gt;" in page
