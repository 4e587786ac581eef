"""The audit trail's page: who did what, when, on what; for administrators and coordinators."""
