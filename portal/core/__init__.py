"""Shared machinery that two features or more use: the public cache and kept pages, the clock,
links, errors, folding, form fields, template helpers, i18n and the security headers.

Features import core; core imports no feature.
"""
