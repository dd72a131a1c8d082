"""A bare WSGI application without Django: the ceiling of the server itself on this machine."""

BODY = b"Hello, world"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
