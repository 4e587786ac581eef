"""The read-only open data API under /api/v1: members, actions, exports, OpenAPI description."""
