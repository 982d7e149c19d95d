"""Importing a new policy document: reading the file, the proposal, writing it."""
