#!/usr/bin/env python3
"""A loopback HTTP proxy in front of an OpenAI-compatible server that injects the failures the
remote engine must survive; the remote-engine end-to-end tests (Tests/EndToEndTests/Remote*.swift)
start it. Standard library only.

Usage: fault_proxy.py --port P --upstream http://127.0.0.1:U --control FILE --log FILE [--key KEY]

Each POST to .../chat/completions takes the first line of the control file (and removes it) as
its fault; an empty file means "pass":
  pass          forward to the upstream, streaming the answer through as it comes
  status:N      answer N with an OpenAI-style JSON error body (500, 429, 400, ...)
  cut           forward, but close the connection after the first content event
  stall:S       forward the first content event, then send nothing for S seconds, then close
  hold          forward the first content event, log {"held": true}, then hold the stream (read
                nothing more from the upstream, send nothing) until either the release file
                (the control file's path + ".release") exists — the rest is then forwarded as it
                comes — or the upstream no longer accepts connections (it was killed) — the client's
                connection is then closed without the rest, which is what a client sees when the
                server dies mid-answer (the rest the kernel still held is not passed on, so what
                the client gets does not depend on socket buffer sizes). The tests wait for the
                "held" line, so a kill or a SIGTERM lands mid-stream on any machine, at any speed.
With --key, every request must carry "Authorization: Bearer KEY" (else 401), as hosted APIs do;
transformers serve checks no key. Every request is appended to the log file as one JSON line
{"path", "fault", "status", "events"} when it ends ("outcome": "released" or "upstream gone" for a
held one), and a held stream also one {"path", "fault", "held": true} line when it is held: what the
tests wait for and count (nothing read twice).
"""
import argparse
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def take_fault(control):
    with lock:
        try:
            with open(control) as f:
                lines = [l.strip() for l in f.read().splitlines() if l.strip()]
        except FileNotFoundError:
            lines = []
        if not lines:
            return "pass"
        with open(control, "w") as f:
            f.write("".join(l + "\n" for l in lines[1:]))
        return lines[0]


def upstream_answers(upstream):
    """Whether the upstream still accepts a TCP connection."""
    try:
        socket.create_connection((upstream.hostname, upstream.port), timeout=2).close()
        return True
    except OSError:
        return False


def log(path, entry):
    with lock:
        with open(path, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def authorised(self):
        if not self.server.key:
            return True
        return self.headers.get("Authorization") == "Bearer " + self.server.key

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if not self.authorised():
            log(self.server.log_path, {"path": self.path, "fault": "auth", "status": 401, "events": 0})
            return self.reply(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        self.forward(b"", "pass")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self.authorised():
            log(self.server.log_path, {"path": self.path, "fault": "auth", "status": 401, "events": 0})
            return self.reply(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        fault = take_fault(self.server.control) if self.path.endswith("/chat/completions") else "pass"
        if fault.startswith("status:"):
            status = int(fault.split(":")[1])
            log(self.server.log_path, {"path": self.path, "fault": fault, "status": status, "events": 0})
            return self.reply(status, {"error": {"message": f"injected {status}", "type": "proxy"}})
        self.forward(body, fault)

    def forward(self, body, fault):
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "content-length")}
        headers["Content-Length"] = str(len(body))
        try:
            upstream.request(self.command, self.path, body=body if self.command == "POST" else None, headers=headers)
            answer = upstream.getresponse()
        except OSError as error:
            log(self.server.log_path, {"path": self.path, "fault": fault, "status": 502, "events": 0})
            return self.reply(502, {"error": {"message": f"upstream: {error}"}})
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "application/octet-stream"))
        self.send_header("Connection", "close")
        self.end_headers()
        events = 0
        content_events = 0
        outcome = {}
        try:
            while True:
                line = answer.readline()
                if not line:
                    break
                self.wfile.write(line)
                self.wfile.flush()
                if line.startswith(b"data:"):
                    events += 1
                    if b'"content"' in line:
                        content_events += 1
                if line.strip() == b"" and content_events >= 1 and fault != "pass":
                    if fault == "cut":
                        break
                    if fault.startswith("stall:"):
                        time.sleep(float(fault.split(":")[1]))
                        break
                    if fault == "hold" and not outcome:
                        outcome = {"outcome": self.hold()}
                        if outcome["outcome"] != "released":
                            break
        except (BrokenPipeError, ConnectionResetError):
            if outcome:
                outcome = {"outcome": "client gone"}
        finally:
            upstream.close()
            log(self.server.log_path, {"path": self.path, "fault": fault, "status": answer.status, "events": events, **outcome})
            self.close_connection = True

    def hold(self):
        """Holds a stream after its first content event: "released" or "upstream gone"."""
        log(self.server.log_path, {"path": self.path, "fault": "hold", "held": True})
        while True:
            if os.path.exists(self.server.control + ".release"):
                return "released"
            if not upstream_answers(self.server.upstream):
                return "upstream gone"
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--key", default="")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Proxy)
    server.daemon_threads = True
    server.upstream = urllib.parse.urlparse(args.upstream)
    server.control = args.control
    server.log_path = args.log
    server.key = args.key
    print(f"fault proxy on 127.0.0.1:{args.port} -> {args.upstream}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
