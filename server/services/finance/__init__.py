"""Budgets, a project's figures and earned value, invoices and their documents."""
