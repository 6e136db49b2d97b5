"""The web console: server-rendered pages (Jinja2), htmx partial updates and SSE live queues on the API's app."""
