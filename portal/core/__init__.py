"""Shared machinery that two features or more use: the public cache and kept pages, the clock,
links, errors, folding, form fields, template helpers, i18n, countries, the covenant's
commitments, JSON answers, the mail outbox and its delivery, and the security headers.

Features import core; core imports no feature (and not portal.permissions): see ARCHITECTURE.md.
"""
