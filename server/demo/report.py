"""What `aurentia demo` prints: the logins (one shared password, each person's role) and
where to go next."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from ..settings import Settings
from .people import PEOPLE

SUMMARY_ORDER = (
    "people",
    "clients",
    "projects",
    "staffing",
    "milestones",
    "tasks",
    "deliverables",
    "time entries",
    "budgets",
    "invoices",
    "incidents",
    "messages",
    "reactions",
    "health scores",
)


def base_url(settings: Settings) -> str:
    host = settings.host
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def summary(made: Counter[str]) -> str:
    return ", ".join(f"{made[k]} {k}" for k in SUMMARY_ORDER if made[k])


def logins(out: TextIO, slug: str, password: str | None) -> None:
    """The table of logins. `password` None: the one chosen when the sample was made is
    not the one given now, so it is not shown."""
    if password is None:
        print(
            "Password: the one chosen when this sample was created "
            "(the --password given now does not match it).",
            file=out,
        )
    else:
        print(f"Password of every login: {password}", file=out)
    print(file=out)
    width = max(len(p.email(slug)) for p in PEOPLE)
    for p in PEOPLE:
        print(f"  {p.role.value:<11} {p.email(slug):<{width}}  {p.full_name}, {p.title}", file=out)


def next_steps(out: TextIO, settings: Settings) -> None:
    url = base_url(settings)
    login = '{"email": "...", "password": "..."}'
    print(
        f"""
Next: start the server (aurentia serve), then
  - open {url}/docs (Swagger UI): POST /api/v1/auth/login with one of the logins
    above, then Authorize with the access_token it returns;
  - or: curl -s {url}/api/v1/auth/login -H 'Content-Type: application/json' \\
          -d '{login}'
  - the owner and the admin see everything, managers the finance too, consultants
    their own time, and the CLIENT login only its bank's projects and invoices.""",
        file=out,
    )
