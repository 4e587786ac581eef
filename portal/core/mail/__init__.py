"""E-mail: the outbox written with state changes, and its delivery afterwards."""
