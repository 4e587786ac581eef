"""A person's own data: download everything the portal holds about them, erase their account,
and `flask purge`, which removes what the portal no longer needs after its retention period."""
