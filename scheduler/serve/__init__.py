"""The feed server: published calendars and pages over HTTP, private staff tokens.

``app.create_app`` builds the Starlette application that ``scheduler serve``
runs on uvicorn; ``reader`` reads the plan store read-only; ``tokens`` issues
and checks the per-person secrets of staff feeds. Nothing here imports the
solver, and nothing is served from the file system: only rows of the store.
"""

#: Seconds a client has to send a complete request head.
DEFAULT_HEADER_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open after a response.
DEFAULT_KEEP_ALIVE = 5
#: Connections (and requests in progress) above which new requests get 503.
DEFAULT_LIMIT_CONCURRENCY = 256
