"""The pledges feature's refusal, shared by its services (actions, follow-up, extensions)."""

from portal.core.errors import UserFacingError


class PledgeError(UserFacingError):
    """A command that cannot be carried out; `message` is fit to show the user."""
