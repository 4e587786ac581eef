"""Syndication: Atom feeds of the newest members and good practices, and badges for members'
websites."""
