"""Accounts: registration, e-mail confirmation, sign-in, password reset and set-up."""
