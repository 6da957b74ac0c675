"""The feed server: published calendars and pages over HTTP, private staff tokens.

``app.create_app`` builds the Starlette application that ``scheduler serve``
runs on uvicorn; ``reader`` reads the plan store read-only; ``tokens`` issues
and checks the per-person secrets of staff feeds. Nothing here imports the
solver, and nothing is served from the file system: only rows of the store.
"""
