"""Reads for the impact reports and the weekly digest, and the outcome ratings they compare.

`ratings.py` keeps the levels staff intended and the partner's and museum's reflections gave; the
other modules only read, one per report, with grouped queries (a portfolio holds thousands of projects).
"""
