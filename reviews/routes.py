"""Routes of the reviews package."""

from reviews import models  # noqa: F401
