"""The service: REST API, job queue, result cache, API keys, metrics and the web UI.

Where a request goes, by module:

- ``app`` builds the FastAPI app; ``routes_jobs`` and ``routes_assets`` are the /v1 API,
  ``views`` the JSON shape of a job, ``api_errors`` the one error shape.
- ``auth`` (who is calling) and ``keys`` (API keys, stored hashed); ``limits`` (rate,
  body size); ``jobspec`` (validated options, cache keys); ``uploads`` (images).
- ``db`` (SQLite), ``store`` (job records, claims and leases), ``registry`` (live
  workers), ``metrics`` (Prometheus).
- ``queue`` (Huey on SQLite or Redis), ``worker`` (a worker process), ``execute`` (one
  job), ``reaper`` (jobs of dead workers), ``supervisor`` (serve's local workers).
- ``commands``: `meshsmith serve`, `meshsmith worker`, `meshsmith keys`.
- ``static/``: the web UI's files, served at / and /static.

See docs/service.md. Nothing here is imported by `import meshsmith`.
"""
