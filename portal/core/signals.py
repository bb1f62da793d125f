"""Signals let one feature react to another without importing it."""

from blinker import Namespace

_signals = Namespace()

# Sent with kind="playbook_step" (later also scripts, quizzes), ref_id and the
# new version number whenever published content gets a new version.
content_changed = _signals.signal("content-changed")

# Sent with user=<User> when an account is created or becomes a new hire, so
# onboarding can hand out the modules marked for every new hire.
person_joined = _signals.signal("person-joined")

# Sent with kind, ref_id, user_id and version when a person completes content
# that completes itself (e.g. passes a quiz), so onboarding can tick the item.
content_completed = _signals.signal("content-completed")
