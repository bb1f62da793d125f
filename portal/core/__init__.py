"""Floor 1: extensions, the declarative base, auth, htmx and text helpers.

Nothing in here imports a feature package.
"""
