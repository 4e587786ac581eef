"""A member's team of representatives: invitations by e-mail, joining and leaving."""
