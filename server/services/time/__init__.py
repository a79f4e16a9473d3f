"""Time entries, their approval, and weekly timesheets."""
