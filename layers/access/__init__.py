"""Who may see and change what, and who did: accounts, login sessions and each request's
jurisdiction (``accounts``), and the audit trail of every change to the risk data (``audit``).

Row-level security in PostgreSQL enforces the jurisdiction; these modules state it per request and
read the trail back.
"""
