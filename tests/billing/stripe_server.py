"""A test double of Stripe's REST API: a real HTTP server on 127.0.0.1 that the real `stripe` library talks to.

It speaks just enough of Stripe for billing/stripe_sync.py: customers, invoices, invoice items, finalizing
and voiding, with Stripe's object shapes, its form-encoded requests, its error bodies, and its idempotency
(a key seen before replays the first answer; the same key with other parameters is refused). Every request
is recorded for the tests to inspect. It is not Stripe: no payments, no events, no validation beyond that.

    def test_something(stripe_server):   # settings now point the product at this server
        ...
        assert len(stripe_server.objects("invoice")) == 1
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

API_KEY = "sk_test_double"
WEBHOOK_SECRET = "whsec_test_double"
PREFIXES = {"customer": "cus", "invoice": "in", "invoiceitem": "ii"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    status: int
    replayed: bool


class StripeError(Exception):
    def __init__(self, status: int, kind: str, message: str, code: str = ""):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, **({"code": code} if code
                                                                                             else {})}}


@dataclass
class StripeDouble:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    store: dict[str, dict] = field(default_factory=dict)  # id → object
    failures: list[list] = field(default_factory=list)  # [path pattern, times left]
    _keys: dict[str, tuple[str, str, dict, int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- for tests ---

    def objects(self, kind: str) -> list[dict]:
        """Every object of a kind ("customer", "invoice", "invoiceitem") created, in order."""
        return [obj for obj in self.store.values() if obj["object"] == kind]

    def posts(self, path_pattern: str) -> list[Call]:
        return [call for call in self.calls if call.method == "POST" and re.fullmatch(path_pattern, call.path)]

    def fail_next(self, path_pattern: str, times: int = 1) -> None:
        """Answer the next requests to matching paths with a 500 that asks not to be retried, as Stripe
        does for an error its idempotency layer would replay anyway: the caller sees stripe.APIError."""
        self.failures.append([path_pattern, times])

    # --- the API ---

    def handle(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict, bool]:
        with self._lock:
            for failure in self.failures:
                if failure[1] and re.fullmatch(failure[0], path):
                    failure[1] -= 1
                    return 500, {"error": {"type": "api_error", "message": "Injected failure."}}, False
            if key and key in self._keys:
                first_method, first_path, first_params, status, body = self._keys[key]
                if (first_method, first_path, first_params) != (method, path, params):
                    error = StripeError(400, "idempotency_error", f"Keys for idempotent requests can only be used "
                                        f"with the same parameters they were first used with. Key: {key}")
                    return error.status, error.body, False
                return status, body, True
            try:
                status, body = 200, self._route(method, path, params)
            except StripeError as error:
                status, body = error.status, error.body
            if key and status < 500:  # Stripe does not keep 5xx answers under a key
                self._keys[key] = (method, path, params, status, body)
            return status, body, False

    def _route(self, method: str, path: str, params: dict) -> dict:
        if method != "POST":
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        if path == "/v1/customers":
            return self._new("customer", name=params.get("name"), email=params.get("email"),
                             metadata=params.get("metadata", {}))
        if path == "/v1/invoices":
            customer = self._get(params.get("customer"), "customer")
            return self._new("invoice", customer=customer["id"], currency=params.get("currency", "usd"),
                             status="draft", collection_method=params.get("collection_method", "charge_automatically"),
                             days_until_due=_int(params.get("days_until_due")), description=params.get("description"),
                             auto_advance=params.get("auto_advance") == "true", metadata=params.get("metadata", {}),
                             pending_invoice_items_behavior=params.get("pending_invoice_items_behavior"),
                             lines={"object": "list", "data": [], "has_more": False, "url": "/v1/invoices/lines"},
                             subtotal=0, total=0, amount_due=0, number=None, hosted_invoice_url=None)
        if path == "/v1/invoiceitems":
            invoice = self._get(params.get("invoice"), "invoice")
            if invoice["status"] != "draft":
                raise StripeError(400, "invalid_request_error", "You can only add invoice items to draft invoices.")
            if params.get("customer") != invoice["customer"]:
                raise StripeError(400, "invalid_request_error", "The invoice belongs to another customer.")
            item = self._new("invoiceitem", customer=invoice["customer"], invoice=invoice["id"],
                             amount=_int(params.get("amount")), currency=params.get("currency"),
                             description=params.get("description"), metadata=params.get("metadata", {}))
            invoice["lines"]["data"].append(item)
            invoice["subtotal"] = invoice["total"] = invoice["amount_due"] = sum(
                line["amount"] for line in invoice["lines"]["data"])
            return item
        if match := re.fullmatch(r"/v1/invoices/(\w+)/(finalize|void)", path):
            invoice = self._get(match[1], "invoice")
            before, after = ("draft", "open") if match[2] == "finalize" else ("open", "void")
            if invoice["status"] != before:
                raise StripeError(400, "invalid_request_error",
                                  f"This invoice is {invoice['status']}; it cannot be {after} now.",
                                  code="invoice_unexpected_status")
            invoice["status"] = after
            if after == "open":
                invoice["number"] = f"DOUBLE-{int(invoice['id'].split('_')[-1]):04d}"
                invoice["hosted_invoice_url"] = f"{self.url}/i/{invoice['id']}"
                if "auto_advance" in params:
                    invoice["auto_advance"] = params["auto_advance"] == "true"
            return invoice
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _new(self, kind: str, **fields) -> dict:
        obj = {"id": f"{PREFIXES[kind]}_double_{next(self._ids):04d}", "object": kind, "livemode": False,
               "created": int(time.time()), **fields}
        self.store[obj["id"]] = obj
        return obj

    def _get(self, object_id: str | None, kind: str) -> dict:
        obj = self.store.get(object_id or "")
        if obj is None or obj["object"] != kind:
            raise StripeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing")
        return obj


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def decode_form(body: str) -> dict:
    """Stripe's form encoding back into nested dicts: `metadata[invoice_id]=5` → {"metadata": {"invoice_id": "5"}}."""
    params: dict = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", name)
        target = params
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return params


def _handler(double: StripeDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self._answer("POST")

        def do_GET(self):
            self._answer("GET")

        def _answer(self, method: str):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                status, answer, replayed = 401, {"error": {"type": "invalid_request_error",
                                                           "message": "Invalid API Key provided."}}, False
            else:
                params = decode_form(body)
                status, answer, replayed = double.handle(method, self.path, params,
                                                         self.headers.get("Idempotency-Key"))
            double.calls.append(Call(method, self.path, decode_form(body), self.headers.get("Idempotency-Key"),
                                     status, replayed))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_double_{len(double.calls):04d}")
            if replayed:
                self.send_header("Idempotent-Replayed", "true")
            if status >= 500:
                self.send_header("Stripe-Should-Retry", "false")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # quiet: the calls are recorded instead
            pass

    return Handler


@pytest.fixture
def stripe_server(settings):
    """The double, running, with the product's Stripe settings pointed at it (so Stripe counts as enabled)."""
    double = StripeDouble()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    server.daemon_threads = True
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-double",
                              daemon=True)
    thread.start()
    settings.STRIPE_API_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = double.url
    yield double
    server.shutdown()
    server.server_close()
