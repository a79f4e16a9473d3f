"""What every step of the sample shares: the services, the day it is built for, and the
ids of what earlier steps created (people, projects, tasks ...), looked up by short keys
such as "lea" or "espace-client"."""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from protocol.enums import MemberRole

from ..actor import Actor
from ..services.core import Services

# What rate limits see as the caller's address: the operator at the command line.
ADDRESS = "aurentia-demo"


class DemoError(Exception):
    """The sample cannot be built or shown; the message says why and what to do."""


@dataclass(frozen=True)
class Person:
    """One member of the sample firm; a consultant's details and skills are tables of
    server/demo/people.py, by `key`."""

    key: str
    prenom: str
    nom: str
    role: MemberRole
    title: str

    def email(self, slug: str) -> str:
        """`prenom.nom@<slug>.example`: the reserved `.example` TLD (RFC 2606) never
        delivers mail, and the slug keeps two samples' accounts apart."""
        local = f"{self.prenom}.{self.nom}".lower().replace(" ", "-")
        ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        return f"{ascii_local}@{slug}.example"

    @property
    def full_name(self) -> str:
        return f"{self.prenom} {self.nom}"


@dataclass
class Demo:
    svc: Services
    slug: str
    password: str
    today: date
    org_id: uuid.UUID
    actors: dict[str, Actor] = field(default_factory=dict)
    competences: dict[str, uuid.UUID] = field(default_factory=dict)
    clients: dict[str, uuid.UUID] = field(default_factory=dict)
    projects: dict[str, uuid.UUID] = field(default_factory=dict)
    chefs: dict[str, str] = field(default_factory=dict)  # project key -> person key
    project_channels: dict[str, uuid.UUID] = field(default_factory=dict)
    tasks: dict[str, uuid.UUID] = field(default_factory=dict)
    # (project key, person key) -> the tasks of that project assigned to that person.
    assigned: dict[tuple[str, str], list[uuid.UUID]] = field(default_factory=dict)
    milestones: dict[str, uuid.UUID] = field(default_factory=dict)
    # What was created, by kind, for the summary line.
    made: Counter[str] = field(default_factory=Counter)

    def by(self, key: str) -> tuple[Services, Actor, uuid.UUID]:
        """How a service call begins when person `key` acts: the services, that person's
        actor and the organization."""
        return self.svc, self.actors[key], self.org_id

    def uid(self, key: str) -> uuid.UUID:
        return self.actors[key].user_id

    def day(self, offset: int) -> date:
        """`offset` days from today (negative: in the past)."""
        return self.today + timedelta(days=offset)
