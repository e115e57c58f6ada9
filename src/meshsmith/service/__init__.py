"""The service: REST API, job queue, result cache, API keys, metrics and the web UI.

Where a request goes, by module:

- ``app`` builds the FastAPI app; ``routes_jobs`` and ``routes_assets`` are the /v1 API,
  ``views`` the JSON shape of a job, ``api_errors`` the one error shape.
- ``auth`` (who is calling) and ``keys`` (API keys, stored hashed); ``limits`` (rate,
  body size); ``jobspec`` (validated options, cache keys); ``uploads`` (images).
- ``backend`` picks where shared state lives: the data dir (``db``: SQLite,
  ``store_sqlite``, disk files) or Redis (``store_redis``, Redis files). ``store`` is the
  job record protocol (claims, leases), ``registry`` the live workers, ``files`` uploads
  and results; ``metrics`` (Prometheus).
- ``queue`` (Huey on SQLite or Redis), ``worker`` (a worker process), ``execute`` (one
  job), ``reaper`` (jobs of dead workers), ``supervisor`` (serve's local workers).
- ``commands``: `meshsmith serve`, `meshsmith worker`, `meshsmith keys`.
- ``static/``: the web UI's files, served at / and /static.

See docs/service.md. Nothing here is imported by `import meshsmith`.
"""
