"""Clients, projects, tasks and the board, milestones, deliverables."""
