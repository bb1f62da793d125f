"""Whole numbers people send (query strings, form fields, hidden counters) are read by
one helper and bounded as URL ids are: out of range is a clear 4xx, never a 500."""

import pytest
from werkzeug.datastructures import MultiDict

from portal.core.forms import BoundedIntegerField, PortalForm, bounded_coerce
from portal.core.params import MAX_ID, bounded_int


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0", 0),
        ("42", 42),
        (" 42 ", 42),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 20, None),
        ("9" * 5000, None),  # int() itself refuses past 4,300 digits
        ("-1", None),
        ("+1", None),
        ("1_000", None),  # int() reads it as 1000
        ("²", None),  # str.isdigit() says yes, int() raises
        ("٣", None),  # int() reads Arabic-Indic digits
        ("1.5", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_bounded_int_reads_only_numbers_a_table_can_hold(raw, expected):
    assert bounded_int(raw) == expected


def test_bounded_int_takes_the_bounds_it_is_given():
    assert bounded_int("-5", low=-10, high=10) == -5
    assert bounded_int("11", low=-10, high=10) is None
    assert bounded_int("0", low=1) is None


class _Form(PortalForm):
    class Meta:
        csrf = False

    count = BoundedIntegerField("Count", high=100)


def test_bounded_integer_field_refuses_with_a_message(app):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"count": "9" * 20}))
        assert not form.validate()
        assert form.count.data is None
        assert "0" in form.count.errors[0] and "100" in form.count.errors[0]
        form = _Form(formdata=MultiDict({"count": "12"}))
        assert form.validate() and form.count.data == 12


def test_bounded_coerce_refuses_what_no_table_holds():
    assert bounded_coerce("12") == 12 and bounded_coerce(12) == 12
    with pytest.raises(ValueError):
        bounded_coerce("9" * 20)
