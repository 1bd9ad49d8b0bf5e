"""Exports: every lead, touchpoint, opportunity and lead event as CSV or JSON Lines.

Column names are the import's field names, so an exported file re-imports with the generic
preset. `rows` says what each kind's columns hold, `formats` how a row is written, and
`selectors` which rows the command line exports.
"""
