"""Importers of election returns: each reads one published format into Elections, Contests, Candidates
and Results, all or nothing."""
