"""The embedded PostGIS cluster, connections, migrations and bulk loading: the truth of riskatlas."""
