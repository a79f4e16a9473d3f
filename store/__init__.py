"""Persistence of Aurentia: ORM models, one query module per aggregate, migrations.

Store functions take the session and the organization id explicitly and never commit:
the service that calls them owns the transaction.
"""
