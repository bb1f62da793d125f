"""The permission registry (portal/core/policy.py) and its printed table."""

import pytest
from flask_login import AnonymousUserMixin

from portal.core import policy
from portal.core.roles import Role


def test_an_unknown_permission_is_a_programming_error_not_a_refusal(app):
    with pytest.raises(LookupError):
        policy.may(None, "reviews.reveiw")  # a typo must not quietly deny everyone


def test_a_permission_cannot_be_declared_twice_with_other_rules(monkeypatch):
    monkeypatch.setattr(policy, "_REGISTRY", dict(policy._REGISTRY))  # leave the real one be
    policy.permission("test.once", {Role.ADMIN}, "Only admins.")
    policy.permission("test.once", {Role.ADMIN}, "Only admins.")  # the same: harmless
    with pytest.raises(ValueError):
        policy.permission("test.once", {Role.HR}, "HR instead.")


def test_anonymous_people_hold_no_permission(make):
    assert not policy.may(AnonymousUserMixin(), "playbooks.edit")
    assert policy.may(make.user(Role.ADMIN), "playbooks.edit")
    assert not policy.may(make.user(Role.SUPERVISOR), "playbooks.edit")


def test_an_object_rule_is_asked_only_of_the_roles_it_names(make, db):
    call_owner = make.user(Role.AGENT)
    # interaction.review is for supervisors and admins; an agent never gets as far as the rule
    assert not policy.may(call_owner, "interaction.review", object())


def test_the_policy_table_lists_every_permission_with_its_roles_and_routes(runner):
    printed = runner.invoke(args=["portal", "permissions"]).output
    for declared in policy.permissions():
        assert declared.name in printed
    assert "review.read  [rule:" in printed
    assert "a draft is the reviewer's working state" in printed
    assert "routes: reviews.rubric_edit, reviews.rubric_new, reviews.rubric_retire" in printed
