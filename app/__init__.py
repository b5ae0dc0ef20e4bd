"""The FastAPI application, its routes and the ``riskatlas`` command line."""
