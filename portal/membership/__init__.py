"""Applying to join: the application form, drafts, submission, the member page."""
