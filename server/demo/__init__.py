"""`aurentia demo`: a realistic sample of an IT consulting firm in a new organization.

One module per area (people, projects, board, timesheet, finance, chat, analytics), each
holding its sample data and the service calls that create it; run.py orders them and
report.py prints the logins.
"""

from .context import DemoError
from .run import DEFAULT_NAME, DEFAULT_PASSWORD, check_options, run_demo

__all__ = ["DEFAULT_NAME", "DEFAULT_PASSWORD", "DemoError", "check_options", "run_demo"]
