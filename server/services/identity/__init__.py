"""Accounts, sessions, organizations, members, invitations and join codes."""
