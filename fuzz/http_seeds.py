#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_http (fixtures/fuzz/fuzz_http/): requests as SDKs and tests
send them, byte for byte, one connection per file (several requests in a file are pipelined
on one keep-alive connection). Run from anywhere: python3 fuzz/http_seeds.py"""
import base64
import gzip
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "fuzz" / "fuzz_http"
AUTH = "Basic " + base64.b64encode(b"wk1:").decode()
SENT = "2026-01-02T03:04:06.000Z"


def request(method, target, headers=(), body=b"", length=True, version="HTTP/1.1"):
    """One request; Content-Length is added for a body unless length is False."""
    lines = [f"{method} {target} {version}", "Host: localhost:8080"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body and length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body, size):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def js(value):
    return json.dumps(value, separators=(",", ":")).encode()


def event(kind, n, **extra):
    e = {"type": kind, "messageId": f"m-{kind}-{n}", "anonymousId": "anon-1",
         "originalTimestamp": "2026-01-02T03:04:05.678Z", "sentAt": SENT,
         "context": {"library": {"name": "analytics-node", "version": "1.0.0"}}}
    e.update(extra)
    return e


BATCH = js({"batch": [event("identify", 1, userId="u1", traits={"email": "a@example.com"}),
                      event("track", 2, userId="u1", event="Order Completed",
                            properties={"revenue": 42.5, "products": [{"sku": "A-1"}]}),
                      event("page", 3, name="Pricing", properties={"path": "/pricing"})],
            "sentAt": SENT})
TRACK = js(event("track", 4, userId="u1", event="Clicked", properties={"button": "buy"}))
NODE = [("Authorization", AUTH), ("Content-Type", "application/json"),
        ("User-Agent", "analytics-node/1.0.0"), ("Accept", "application/json, text/plain, */*"),
        ("Connection", "keep-alive")]

seeds = {
    # Node SDK: a batch with Content-Length.
    "batch": request("POST", "/v1/batch", NODE, BATCH),
    # A gzip body (the Go and Java SDKs compress batches).
    "track-gzip": request("POST", "/v1/track", NODE + [("Content-Encoding", "gzip")],
                          gzip.compress(TRACK, 6, mtime=0)),
    "batch-gzip-chunked": request("POST", "/v1/batch",
                                  NODE + [("Content-Encoding", "gzip"),
                                          ("Transfer-Encoding", "chunked")],
                                  chunked(gzip.compress(BATCH, 6, mtime=0), 64), length=False),
    # Chunked transfer encoding, as a streaming client sends it.
    "batch-chunked": request("POST", "/v1/batch", NODE + [("Transfer-Encoding", "chunked")],
                             chunked(BATCH, 100), length=False),
    # Three requests on one keep-alive connection, the last one closing it.
    "pipelined": request("POST", "/v1/identify", NODE,
                         js(event("identify", 5, userId="u2", traits={"plan": "pro"})))
    + request("POST", "/v1/track", NODE, TRACK)
    + request("POST", "/v1/page", [("Authorization", AUTH), ("Connection", "close")],
              js(event("page", 6, name="Docs"))),
    # navigator.sendBeacon from the JS SDK: text/plain, the write key in the query.
    "beacon": request("POST", "/beacon/v1/batch?writeKey=wk1",
                      [("Origin", "http://localhost:3000"),
                       ("Content-Type", "text/plain;charset=UTF-8")], BATCH),
    # CORS preflights of the browser SDK and of a page calling the admin API.
    "preflight": request("OPTIONS", "/v1/batch",
                         [("Origin", "http://localhost:3000"),
                          ("Access-Control-Request-Method", "POST"),
                          ("Access-Control-Request-Headers", "authorization,content-type,anonymousid")]),
    "preflight-admin": request("OPTIONS", "/_mock/events",
                               [("Origin", "http://localhost:3000"),
                                ("Access-Control-Request-Method", "GET")]),
    # curl's Expect: 100-continue before a body.
    "expect-continue": request("POST", "/v1/batch",
                               [("Authorization", AUTH), ("Content-Type", "application/json"),
                                ("Expect", "100-continue")], BATCH),
    # HTTP/1.0 without keep-alive, X-Forwarded-For and an AnonymousId header.
    "http10": request("POST", "/v1/alias", [("Authorization", AUTH), ("AnonymousId", "anon-9"),
                                            ("X-Forwarded-For", "10.0.0.1, 10.0.0.2")],
                      js(event("alias", 7, userId="u3", previousId="u2")), version="HTTP/1.0"),
    "pixel-config": request("GET", "/pixel/v1/track?writeKey=wk1&event=Viewed&anonymousId=a1")
    + request("GET", "/sourceConfig/?writeKey=wk1")
    + request("GET", "/health") + request("GET", "/v1/unknown"),
    "webhook-form": request("POST", "/v1/webhook?writeKey=wk1",
                            [("Content-Type", "application/x-www-form-urlencoded")],
                            b"a=1&b=two&c=%20x"),
    "retl-delete": request("POST", "/internal/v1/retl",
                           [("X-Rudder-Source-Id", "wk1"), ("X-Rudder-Destination-Id", "d1"),
                            ("Content-Type", "application/json")],
                           js({"batch": [event("track", 8, userId="u1", event="Synced")]}))
    + request("DELETE", "/v1/batch", [("Authorization", AUTH)]),
    # The admin API as the tests use it: send, wait, list, stats, export, faults, reset.
    "admin": request("POST", "/v1/batch", NODE, BATCH)
    + request("GET", "/_mock/wait?count=3&type=track&timeout_ms=10")
    + request("GET", "/_mock/events?limit=10&order=desc&userId=u1")
    + request("GET", "/_mock/events/1")
    + request("GET", "/_mock/requests?status=200&path=/v1/batch")
    + request("GET", "/_mock/stats") + request("GET", "/_mock/sources")
    + request("GET", "/_mock/events?filter=" + "type%3Dtrack%20and%20event~%22Order%22&q=Clicked"),
    "admin-export": request("POST", "/v1/track", NODE, TRACK)
    + request("GET", "/_mock/export?format=ndjson&normalize=1")
    + request("GET", "/_mock/export?format=har&requests=all")
    + request("POST", "/_mock/reset?writeKey=wk1", [("Origin", "http://localhost:3000")]),
    "admin-faults": request("PUT", "/_mock/faults", [("Content-Type", "application/json")],
                            js({"seed": 0, "rules": [
                                {"id": "429-every-2nd", "match": {"route": "/v1/batch"},
                                 "trigger": {"every": 2},
                                 "effect": {"status": 429, "headers": {"Retry-After": "1"}}}]}))
    + request("POST", "/v1/batch", NODE, BATCH) + request("POST", "/v1/batch", NODE, BATCH)
    + request("GET", "/_mock/faults") + request("GET", "/_mock/deliveries?outcome=failed&limit=5")
    + request("DELETE", "/_mock/faults"),
}

OUT.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (OUT / name).write_bytes(data)
print(f"{len(seeds)} seeds in {OUT}")
