"""The portal's own date-time formatter writes exactly what Flask-Babel writes."""

from datetime import UTC, datetime, timedelta, timezone

from flask_babel import force_locale, format_datetime
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.dates import short_datetime

moments = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2060, 12, 31),
    timezones=st.none()
    | st.just(UTC)
    | st.builds(timezone, st.integers(-720, 840).map(lambda minutes: timedelta(minutes=minutes))),
)


@settings(max_examples=300, deadline=None)
@given(moment=moments, language=st.sampled_from(["vi", "en"]))
def test_short_datetime_equals_flask_babel(app, moment, language):
    with app.test_request_context("/"), force_locale(language):
        assert short_datetime(moment) == format_datetime(moment, "short")


def test_the_reader_sees_the_portal_time_zone_in_their_language(app):
    moment = datetime(2026, 9, 30, 17, 5, tzinfo=UTC)  # 00:05 on 1 October in Vietnam
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert short_datetime(moment) == "00:05 1/10/26"
        with force_locale("en"):
            assert short_datetime(moment) == "10/1/26, 12:05\u202fAM"
        assert short_datetime(None) == ""
