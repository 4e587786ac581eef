"""Applying to join: the application form, drafts, submission, the member page."""

# The search index follows every change of a member through Session events: registered with
# the package, so no code that writes members can run without them.
from portal.membership import search_index  # noqa: E402, F401
