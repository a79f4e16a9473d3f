"""A project's incidents, most recently opened first."""

from __future__ import annotations

from datetime import datetime

from .models import Incident
from .scoped import Scoped

table = Scoped(Incident, (Incident.date_ouverture, datetime), descending=True)
