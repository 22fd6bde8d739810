"""Compliance's pages: the audit trail's search and export (and, later, the breaches register).

They sit above the apps they read (the audit trail, the capability table), so that those apps stay free
of page concerns and the audit trail can stay below staff, which writes to it.
"""
