"""A real HTTP server on 127.0.0.1 in a thread, standing in for a recipient's webhook endpoint."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict  # lower-cased names
    body: bytes


@dataclass
class WebhookServer:
    """Answers with the scripted statuses in order (then the last one forever) and records every call."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay_seconds: float = 0.0
    redirect_to: str = ""
    received: list[Received] = field(default_factory=list)
    url: str = ""
    in_flight: int = 0  # calls being answered right now
    most_in_flight: int = 0  # the most answered at once

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"webhook received {len(self.received)} of {count} calls"
        return self.received


_counting = threading.Lock()


def start_webhook_server(server_state: WebhookServer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            index = len(server_state.received)
            server_state.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            with _counting:
                server_state.in_flight += 1
                server_state.most_in_flight = max(server_state.most_in_flight, server_state.in_flight)
            if server_state.delay_seconds:
                time.sleep(server_state.delay_seconds)
            with _counting:
                server_state.in_flight -= 1
            status = server_state.statuses[min(index, len(server_state.statuses) - 1)]
            self.send_response(status)
            if server_state.redirect_to:
                self.send_header("Location", server_state.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}/privacy-hook"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd
