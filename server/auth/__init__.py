"""Credentials and tokens: hashing, signing, verifying. No database access here."""
