"""HTTP/1.1 connections kept open: werkzeug's server closes every connection after its response (throughput only)."""

import io
import selectors
import threading
import types

from moto import server as moto_server
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug import serving as werkzeug_serving

MAX_BUFFERED_BODY = 64 * 1024 * 1024


keep_alive = threading.local()  # the request the current thread serves keeps its connection


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler, keeping HTTP/1.1 connections open (see the top). The body is read before the app runs,
    so the next request on the connection starts right after it whatever the app read; a request whose length is not
    known up front (chunked, or waiting for `100 Continue`) closes its connection, as before."""

    # Headers and body go out in separate writes: on a kept connection, Nagle's algorithm would hold the body back
    # until the client acknowledges the headers, which it delays.
    disable_nagle_algorithm = True

    def make_environ(self):
        environ = super().make_environ()
        self.keeps_alive = keep_alive.now = False
        if self.request_version != "HTTP/1.1" or self.close_connection:
            return environ
        if self.headers.get("Transfer-Encoding") or self.headers.get("Expect"):
            return environ
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return environ
        if not 0 <= length <= MAX_BUFFERED_BODY:
            return environ
        body = self.rfile.read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        # A short read means the client went away mid-body: answer (the app sees a short body) and close.
        self.keeps_alive = keep_alive.now = len(body) == length
        return environ

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "keeps_alive", False):
            return
        super().send_header(keyword, value)


class DrainSelector:
    """After each response werkzeug reads whatever else the client sent, to discard a body the app left unread (it
    closes every connection, so that is the end of it). On a kept connection that would swallow the next request; the
    body was read whole already, so there is nothing to discard."""

    def __init__(self):
        self._selector = None if getattr(keep_alive, "now", False) else selectors.DefaultSelector()

    def register(self, fileobj, events):
        if self._selector is not None:
            self._selector.register(fileobj, events)

    def select(self, timeout=None):
        return [] if self._selector is None else self._selector.select(timeout)

    def close(self):
        if self._selector is not None:
            self._selector.close()


moto_server.MotoRequestHandler = KeepAliveRequestHandler
# werkzeug's server alone sees this `selectors`.
werkzeug_serving.selectors = types.SimpleNamespace(DefaultSelector=DrainSelector, EVENT_READ=selectors.EVENT_READ)
