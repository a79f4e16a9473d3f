"""Consultants, the skills catalogue, staffing and the staffing search."""
