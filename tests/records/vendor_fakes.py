"""Local stand-ins for the SaaS APIs, answering with the shapes their public docs show.

One ThreadingHTTPServer on 127.0.0.1 (an ephemeral port) serves Stripe's customers API, Slack's Web API
and SCIM user deletion, and two generic member APIs paged by offset and by Link header. Scripted faults
(a status with headers, or a hang) are answered first, in order, whatever the path.
"""

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class FakeVendor:
    stripe_customers: dict[str, dict] = field(default_factory=dict)
    slack_users: dict[str, dict] = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)
    page_size: int = 2  # the server's own cap on a page, whatever limit is asked for
    faults: deque = field(default_factory=deque)  # ("status", code, headers) | ("hang", seconds)
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def paths(self) -> list[str]:
        return [f"{c.method} {c.path}" for c in self.calls]

    # -------------------------------------------------------- Stripe

    def stripe(self, call: Call) -> tuple[int, dict, object]:
        match = re.fullmatch(r"/v1/customers(?:/(\w+))?", call.path)
        if not match:
            return (
                404,
                {},
                {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}},
            )
        customer_id = match.group(1)
        if customer_id is None:
            found = [
                c for c in self.stripe_customers.values() if c["email"] == call.query.get("email", c["email"])
            ]
            if "starting_after" in call.query:
                ids = [c["id"] for c in found]
                found = found[ids.index(call.query["starting_after"]) + 1 :]
            size = min(int(call.query.get("limit", 10)), self.page_size)
            page = found[:size]
            return (
                200,
                {},
                {"object": "list", "url": "/v1/customers", "has_more": len(found) > size, "data": page},
            )
        if customer_id not in self.stripe_customers:
            missing = {"type": "invalid_request_error", "code": "resource_missing", "param": "id"}
            return 404, {}, {"error": missing}
        if call.method == "DELETE":
            del self.stripe_customers[customer_id]
            return 200, {}, {"id": customer_id, "object": "customer", "deleted": True}
        customer = self.stripe_customers[customer_id]
        if call.method == "POST":
            for key, value in call.form().items():
                if key.startswith("address["):
                    customer["address"][key[len("address[") : -1]] = value
                else:
                    customer[key] = value
        return 200, {}, customer

    # -------------------------------------------------------- Slack

    def slack(self, call: Call) -> tuple[int, dict, object]:
        if call.headers.get("authorization") != "Bearer xoxp-test":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        method = call.path.rsplit("/", 1)[1]
        if method == "auth.test":
            return 200, {}, {"ok": True, "team": "RakuNest", "user_id": "W0BOT"}
        if method == "users.lookupByEmail":
            found = [u for u in self.slack_users.values() if u["profile"]["email"] == call.query.get("email")]
            return (
                200,
                {},
                {"ok": True, "user": found[0]} if found else {"ok": False, "error": "users_not_found"},
            )
        if method == "users.info":
            user = self.slack_users.get(call.query.get("user", ""))
            return 200, {}, {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.profile.set" and call.method == "POST":
            body = json.loads(call.body)
            self.slack_users[body["user"]]["profile"].update(body["profile"])
            return 200, {}, {"ok": True, "profile": self.slack_users[body["user"]]["profile"]}
        return 200, {}, {"ok": False, "error": "unknown_method"}

    def scim(self, call: Call) -> tuple[int, dict, object]:
        user_id = call.path.rsplit("/", 1)[1]
        if call.method != "DELETE" or user_id not in self.slack_users:
            return 404, {}, {"Errors": {"description": "user_not_found", "code": 404}}
        self.slack_users[user_id]["deleted"] = True
        return 204, {}, None

    # -------------------------------------------------------- generic paged member APIs

    def offset_members(self, call: Call) -> tuple[int, dict, object]:
        found = [m for m in self.members if m["email"] == call.query.get("email")]
        offset, limit = int(call.query.get("offset", 0)), int(call.query.get("limit", 10))
        return 200, {}, {"results": found[offset : offset + limit]}

    def link_members(self, call: Call) -> tuple[int, dict, object]:
        found = [m for m in self.members if m["email"] == call.query.get("email")]
        page = int(call.query.get("page", 1))
        chunk = found[(page - 1) * self.page_size : page * self.page_size]
        headers = {}
        if page * self.page_size < len(found):
            next_query = f"email={call.query['email']}&page={page + 1}"
            target = call.query.get("next_host", "") + f"/link/members?{next_query}"
            headers["Link"] = f'<{target}>; rel="next", </link/members?page=1>; rel="first"'
        return 200, headers, chunk

    def member(self, call: Call) -> tuple[int, dict, object]:
        member_id = call.path.rsplit("/", 1)[1]
        found = [m for m in self.members if m["id"] == member_id]
        return (200, {}, found[0]) if found else (404, {}, {"detail": "Not found."})

    def dispatch(self, call: Call) -> tuple[int, dict, object]:
        if call.path.startswith("/v1/"):
            return self.stripe(call)
        if call.path.startswith("/api/"):
            return self.slack(call)
        if call.path.startswith("/scim/v2/Users/"):
            return self.scim(call)
        if call.path == "/offset/members":
            return self.offset_members(call)
        if call.path == "/link/members":
            return self.link_members(call)
        if call.path.startswith("/members/"):
            return self.member(call)
        return 404, {}, {"detail": "Not found."}


def start_fake_vendor(vendor: FakeVendor) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def handle_any(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length", 0) or 0)
            call = Call(
                self.command,
                parts.path,
                {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            vendor.calls.append(call)
            if vendor.faults:
                fault = vendor.faults.popleft()
                if fault[0] == "hang":
                    time.sleep(fault[1])
                    status, headers, body = 200, {}, {}
                else:
                    status, headers, body = fault[1], fault[2], {"error": "scripted"}
            else:
                status, headers, body = vendor.dispatch(call)
            payload = b"" if body is None else json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = handle_any  # noqa: N815

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    vendor.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


def stripe_customer(customer_id: str, email: str, name: str, created: int = 1736069400) -> dict:
    """A customer object as Stripe's API reference shows it (fields the connector does not map included)."""
    return {
        "id": customer_id,
        "object": "customer",
        "address": {"city": "San Francisco", "country": "US", "line1": "123 Market Street", "line2": None,
                    "postal_code": "94105", "state": "CA"},
        "balance": 0,
        "created": created,
        "email": email,
        "invoice_settings": {"custom_fields": None, "default_payment_method": None},
        "livemode": False,
        "metadata": {},
        "name": name,
        "phone": "+14155550101",
        "shipping": None,
    }  # fmt: skip


def slack_user(user_id: str, email: str, real_name: str) -> dict:
    """A user object as users.lookupByEmail returns it."""
    return {
        "id": user_id,
        "team_id": "T012AB3C4",
        "name": real_name.split()[0].lower(),
        "deleted": False,
        "real_name": real_name,
        "tz": "America/Los_Angeles",
        "profile": {"real_name": real_name, "display_name": real_name.split()[0], "email": email, "phone": "",
                    "image_24": "https://example.invalid/avatar.jpg"},
        "is_admin": False,
    }  # fmt: skip
