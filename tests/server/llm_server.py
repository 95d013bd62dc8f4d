#!/usr/bin/env python3
"""A small OpenAI-compatible HTTP server for testing and benchmarking vlit's LLM client.

Standard library only, loopback only. Answers are deterministic (a hash of the
request, or scripted rules), and faults (rate limits, server errors, delays,
dropped connections, broken JSON, answers that are not conversations) can be
injected with a seeded random draw, so a client's retry and validation paths
can be exercised without a real model. See README.md beside this file.
"""

import argparse
import hashlib
import json
import os
import random
import socket
import socketserver
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# The server answers anything that reaches it and is meant for local tests only,
# so it never listens on anything but loopback; there is deliberately no flag for it.
HOST = "127.0.0.1"

# Order matters: a request's single random draw is compared with the cumulative
# probabilities in this order, which keeps a seed's fault sequence reproducible.
FAULTS = ("429", "500", "delay", "drop", "malformed", "notconv")
MAX_BODY = 64 * 1024 * 1024  # base64 images make requests large, but not this large
MAX_N = 128                  # the OpenAI API's own limit on choices per request
CHAT_PATH = "/v1/chat/completions"
EMBED_PATH = "/v1/embeddings"

# Prose a badly behaved model might return instead of the conversation asked for.
NOT_CONVERSATIONS = (
    "I cannot help with that.",
    "I'm sorry, but I can't describe this image.",
    "As an AI language model, I do not have access to the image you mentioned.",
    "Here is a short summary of the picture: a quiet street on a sunny afternoon.",
)

# Material for the default replies: enough combinations that the choices of one
# request are practically always different (and are forced to be, see below).
SUBJECTS = ("the dog", "the woman", "the red car", "the bicycle", "the child", "the cat",
            "the man in the blue shirt", "the tree", "the bus", "the kite", "the horse",
            "the umbrella")
PLACES = ("on the left", "near the window", "in the background", "next to the bench",
          "on the table", "in the foreground", "by the road", "under the bridge")
ACTIONS = ("sitting", "standing", "running", "reading a book", "holding a cup",
           "looking at the camera", "waiting", "walking slowly")
COLORS = ("red", "blue", "green", "yellow", "white", "black", "brown", "grey")
EXCHANGES = (
    ("What is {s} doing?", "{S} is {a} {p}."),
    ("Where is {s}?", "{S} is {p}."),
    ("What color is {s}?", "{S} looks mostly {c}."),
    ("How many people are in the image?", "I can see {k} people in the image."),
    ("Is {s} {a}?", "Yes, {s} is {a} {p}."),
    ("What can you see {p}?", "{S} is {p}, and it appears to be {c}."),
    ("Describe the scene.", "The image shows {s} {a} {p}, with something {c} nearby."),
    ("Is there anything unusual about {s}?", "Not really; {s} is just {a} {p}."),
)


class BadRequest(Exception):
    """A request the server refuses with an error status (400, 411, 413)."""

    def __init__(self, status, message, close=False):
        super().__init__(message)
        self.status = status
        self.close = close  # the body may be unread, so the connection is unusable


class HashStream:
    """Integers drawn from SHA-256 of a key.

    Replies and embeddings come from this rather than from `random`, so they depend
    only on the request text and stay identical across Python versions.
    """

    def __init__(self, key):
        self.key = key
        self.counter = 0
        self.buf = b""

    def below(self, limit):
        if len(self.buf) < 4:
            block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self.buf += block
            self.counter += 1
        value = int.from_bytes(self.buf[:4], "big")
        self.buf = self.buf[4:]
        return value % limit  # the bias for small limits is irrelevant here


def canonical(obj):
    """JSON with sorted keys and no spaces: equal requests hash equally however they were spelled."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def error_body(message, err_type, code=None):
    return compact({"error": {"message": message, "type": err_type, "param": None, "code": code}})


def words(text):
    """The documented token count: whitespace-separated words."""
    return len(text.split())


def message_text(content):
    """The text of a message: a string, or the text parts of a list (images carry no text)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part["text"] for part in content
                         if isinstance(part, dict) and part.get("type") == "text"
                         and isinstance(part.get("text"), str))
    return ""


def parse_faults(spec):
    probs = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in FAULTS:
            raise ValueError(f"bad fault '{item}': expected NAME=P, NAME one of {','.join(FAULTS)}")
        if name in probs:
            raise ValueError(f"fault '{name}' given twice")
        try:
            p = float(value)
        except ValueError:
            raise ValueError(f"bad probability in '{item}'") from None
        if not 0.0 <= p <= 1.0:  # also rejects nan
            raise ValueError(f"probability in '{item}' is not between 0 and 1")
        probs[name] = p
    if sum(probs.values()) > 1.0 + 1e-9:
        raise ValueError("fault probabilities add up to more than 1 (a request gets at most one fault)")
    return probs


def load_replies(path):
    """Reads the --replies JSONL file into (match, contents) rules, in file order."""
    rules = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rule = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{where}: not JSON: {e.msg}") from None
            if not isinstance(rule, dict):
                raise ValueError(f"{where}: expected a JSON object")
            match = rule.get("match")
            if match is not None and not isinstance(match, str):
                raise ValueError(f"{where}: match must be a string")
            if ("content" in rule) == ("contents" in rule):
                raise ValueError(f"{where}: give exactly one of content and contents")
            contents = [rule["content"]] if "content" in rule else rule["contents"]
            if (not isinstance(contents, list) or not contents
                    or not all(isinstance(c, str) for c in contents)):
                raise ValueError(f"{where}: content must be a string, contents a non-empty list of strings")
            rules.append((match or "", contents))
    return rules


def default_conversation(stream):
    """A short "User: ... / AI: ..." conversation chosen by the hash stream."""
    def pick(options):
        return options[stream.below(len(options))]

    lines = []
    for _ in range(1 + stream.below(3)):
        question, answer = pick(EXCHANGES)
        subject = pick(SUBJECTS)
        fill = {"s": subject, "S": subject[0].upper() + subject[1:], "p": pick(PLACES),
                "a": pick(ACTIONS), "c": pick(COLORS), "k": 2 + stream.below(6)}
        lines.append("User: " + question.format(**fill))
        lines.append("AI: " + answer.format(**fill))
    return "\n".join(lines)


def default_replies(req, n):
    # Keyed on model and messages only, so sampling parameters or a different n do not
    # change the text, and choice 0 of an n=5 request equals the answer with n=1.
    key = hashlib.sha256(canonical({"model": req["model"], "messages": req["messages"]})).digest()
    replies, seen = [], set()
    for i in range(n):
        attempt = 0
        while True:  # a repeat would break tests that rely on distinct choices: draw again
            text = default_conversation(HashStream(key + f"/{i}/{attempt}".encode()))
            if text not in seen:
                break
            attempt += 1
        seen.add(text)
        replies.append(text)
    return replies


def embedding(text, dim):
    stream = HashStream(b"embedding\0" + text.encode("utf-8"))
    vec = [stream.below(1 << 32) / (1 << 31) - 1.0 for _ in range(dim)]
    norm = sum(x * x for x in vec) ** 0.5 or 1.0
    return [x / norm for x in vec]


def check_chat(req):
    if not isinstance(req, dict):
        raise BadRequest(400, "the request body must be a JSON object")
    if not isinstance(req.get("model"), str):
        raise BadRequest(400, "model must be a string")
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages must be a non-empty array")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise BadRequest(400, f"messages[{i}] must be an object with a string role")
        if m.get("content") is not None and not isinstance(m["content"], (str, list)):
            raise BadRequest(400, f"messages[{i}].content must be a string or an array of parts")
    n = req.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise BadRequest(400, f"n must be an integer from 1 to {MAX_N}")
    if req.get("stream"):
        raise BadRequest(400, "stream is not supported by this test server")
    return n


def check_embeddings(req):
    if not isinstance(req, dict):
        raise BadRequest(400, "the request body must be a JSON object")
    if not isinstance(req.get("model"), str):
        raise BadRequest(400, "model must be a string")
    inputs = req.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if (not isinstance(inputs, list) or not inputs
            or not all(isinstance(x, str) for x in inputs)):
        raise BadRequest(400, "input must be a string or a non-empty array of strings")
    # Answering floats to a client that asked for base64 would hide a client bug.
    if req.get("encoding_format", "float") != "float":
        raise BadRequest(400, "only encoding_format \"float\" is supported by this test server")
    return inputs


class Outcome:
    """What one request got; recorded in the counters and the log before it is sent."""

    def __init__(self, status, body=b"", headers=(), fault=None, n=None, completions=0, close=False):
        self.status = status  # None: the connection is dropped without a response
        self.body = body
        self.headers = list(headers)
        self.fault = fault    # None: the request was not eligible for a fault draw
        self.n = n
        self.completions = completions
        self.close = close


def error_outcome(status, message, **kw):
    err_type = {429: "rate_limit_error", 500: "server_error"}.get(status, "invalid_request_error")
    code = {404: "not_found", 429: "rate_limit_exceeded"}.get(status)
    return Outcome(status, error_body(message, err_type, code), **kw)


class State:
    """Everything the handler threads share: config, the fault RNG, counters, the log."""

    def __init__(self, args, faults, rules):
        self.args = args
        self.faults = faults
        self.rules = rules
        self.started = int(time.time())
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.rng = random.Random(args.seed)
        self.seq = 0
        self.drawn = 0         # requests that drew a fault, for --fail-first
        self.api_done = 0      # requests to the POST endpoints, for --max-requests
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.stop_requested = False
        self.stats = {
            "requests": 0,
            "by_fault": {name: 0 for name in ("none",) + FAULTS + ("fail-first",)},
            "by_status": {},
            "by_path": {},
            "completions_sent": 0,
            "embeddings_sent": 0,
        }
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def begin(self):
        with self.lock:
            self.seq += 1
            self.stats["requests"] += 1
            self.in_flight += 1
            self.last_activity = time.monotonic()
            return self.seq

    def end(self, api):
        with self.lock:
            self.in_flight -= 1
            self.last_activity = time.monotonic()
            if api:
                self.api_done += 1
                if self.args.max_requests and self.api_done >= self.args.max_requests:
                    self.stop_requested = True
            self.idle.notify_all()

    def draw_fault(self):
        # One draw per eligible request, under the lock: with a fixed seed the k-th
        # request to arrive always gets the k-th draw, whatever the threads do.
        with self.lock:
            r = self.rng.random()
            self.drawn += 1
            if self.drawn <= self.args.fail_first:
                return "fail-first"
        total = 0.0
        for name in FAULTS:
            total += self.faults.get(name, 0.0)
            if r < total:
                return name
        return "none"

    def record(self, seq, arrived, path, body, outcome):
        with self.lock:
            s = self.stats
            route = path if path in ROUTES else "other"  # unknown paths must not grow the map
            s["by_path"][route] = s["by_path"].get(route, 0) + 1
            status = "dropped" if outcome.status is None else str(outcome.status)
            s["by_status"][status] = s["by_status"].get(status, 0) + 1
            if outcome.fault is not None:
                s["by_fault"][outcome.fault] += 1
            if path == CHAT_PATH:
                s["completions_sent"] += outcome.completions
            else:
                s["embeddings_sent"] += outcome.completions
            if self.log:
                # Deliberately no headers here: Authorization must never reach the log.
                line = {"seq": seq, "time": round(arrived, 3), "path": path, "fault": outcome.fault,
                        "n": outcome.n, "status": outcome.status,
                        "request_sha256": hashlib.sha256(body).hexdigest()}
                self.log.write(json.dumps(line, separators=(",", ":")) + "\n")
                self.log.flush()

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.stats))

    def drain(self, timeout):
        """Waits for requests in progress, so a stop does not cut off answers already promised."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.in_flight > 0 and time.monotonic() < deadline:
                self.idle.wait(deadline - time.monotonic())

    def close(self):
        if self.log:
            self.log.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server_version = "vlit-test-llm/1"
    timeout = 60                   # an idle keep-alive connection frees its thread eventually
    disable_nagle_algorithm = True  # headers and body are two writes; avoid the 40 ms stall

    def version_string(self):
        return self.server_version  # without the Python version http.server appends

    def log_message(self, format, *args):
        pass  # the --log file is the record; stderr access lines would only be noise

    def send_error(self, code, message=None, explain=None):
        # Errors from http.server itself (bad request line, unknown method) get the
        # same JSON shape as the server's own; the body may be unread, so close.
        self.close_connection = True
        outcome = error_outcome(code, message or HTTPStatus(code).phrase)
        self._send(outcome.status, outcome.body, [("Connection", "close")],
                   head_only=getattr(self, "command", None) == "HEAD")

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _dispatch(self, method):
        state = self.server.state
        arrived = time.time()
        seq = state.begin()
        path = urlsplit(self.path).path  # the query string is never logged
        api = method == "POST" and path in (CHAT_PATH, EMBED_PATH)
        body = b""
        try:
            try:
                body = self._read_body(method)
                route = ROUTES.get(path)
                if route is None:
                    outcome = error_outcome(404, f"Invalid URL ({method} {path})")
                elif route[0] != method:
                    outcome = error_outcome(405, f"{path} accepts {route[0]} only",
                                            headers=[("Allow", route[0])])
                else:
                    outcome = route[1](self, seq, body)
            except BadRequest as e:
                outcome = error_outcome(e.status, str(e), close=e.close)
            state.record(seq, arrived, path, body, outcome)
            if outcome.status is None:
                self._drop()
            else:
                if outcome.close:
                    self.close_connection = True
                    outcome.headers.append(("Connection", "close"))
                self._send(outcome.status, outcome.body, outcome.headers)
        finally:
            state.end(api)

    def _read_body(self, method):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            if method == "POST":
                raise BadRequest(411, "Content-Length or chunked encoding required", close=True)
            return b""
        try:
            size = int(length)
            if size < 0:
                raise ValueError
        except ValueError:
            raise BadRequest(400, "bad Content-Length", close=True) from None
        if size > MAX_BODY:
            raise BadRequest(413, f"request body larger than {MAX_BODY} bytes", close=True)
        body = self.rfile.read(size)
        if len(body) < size:
            raise BadRequest(400, "request body shorter than Content-Length", close=True)
        return body

    def _read_chunked(self):
        chunks, total = [], 0
        try:
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip(), 16)
                if size == 0:
                    break
                total += size
                if total > MAX_BODY:
                    raise BadRequest(413, f"request body larger than {MAX_BODY} bytes", close=True)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)  # the CRLF that ends each chunk
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # trailers carry nothing the server needs
        except ValueError:
            raise BadRequest(400, "bad chunked encoding", close=True) from None
        return b"".join(chunks)

    def _send(self, status, body, headers, head_only=False):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if not head_only:  # a HEAD answer announces the body's length but never sends it
                self.wfile.write(body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away; nothing to tell it

    def _drop(self):
        # The "drop" fault: the client sees the connection end with no response at all.
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- endpoints: each returns an Outcome ---------------------------------------

    def _parse(self, body):
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, "the request body is not valid JSON") from None

    def _early_fault(self, fault, n):
        """Faults that replace the answer entirely; None for the ones that alter it."""
        args = self.server.state.args
        if fault == "429":
            return error_outcome(429, "Rate limit reached (simulated by the test server)",
                                 headers=[("Retry-After", str(args.retry_after))], fault=fault, n=n)
        if fault in ("500", "fail-first"):
            return error_outcome(500, "The server had an error (simulated by the test server)",
                                 fault=fault, n=n)
        if fault == "drop":
            return Outcome(None, fault=fault, n=n)
        if fault == "delay":
            time.sleep(args.delay_seconds)
        return None

    def chat(self, seq, body):
        state = self.server.state
        req = self._parse(body)
        n = check_chat(req)
        fault = state.draw_fault()
        early = self._early_fault(fault, n)
        if early:
            return early
        if fault == "notconv":
            contents = [NOT_CONVERSATIONS[i % len(NOT_CONVERSATIONS)] for i in range(n)]
        else:
            contents = None
            last_user = next((message_text(m.get("content")) for m in reversed(req["messages"])
                              if m["role"] == "user"), "")
            for match, replies in state.rules:
                if match in last_user:
                    contents = [replies[i % len(replies)] for i in range(n)]
                    break
            if contents is None:
                contents = default_replies(req, n)
        prompt_tokens = sum(words(message_text(m.get("content"))) for m in req["messages"])
        completion_tokens = sum(words(c) for c in contents)
        payload = compact({
            "id": f"chatcmpl-vlit-{seq}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req["model"],
            "choices": [{"index": i, "message": {"role": "assistant", "content": c},
                         "finish_reason": "stop"} for i, c in enumerate(contents)],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })
        if fault == "malformed":
            # Any proper prefix of a JSON object is invalid JSON. Its choices are not
            # counted as sent: no client can read them.
            return Outcome(200, payload[:len(payload) // 2], fault=fault, n=n)
        return Outcome(200, payload, fault=fault, n=n, completions=n)

    def embeddings(self, seq, body):
        state = self.server.state
        req = self._parse(body)
        inputs = check_embeddings(req)
        fault = state.draw_fault()
        if fault == "notconv":
            fault = "none"  # there is no conversation in an embedding to get wrong
        early = self._early_fault(fault, len(inputs))
        if early:
            return early
        dim = state.args.embed_dim
        tokens = sum(words(x) for x in inputs)
        payload = compact({
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": embedding(x, dim)}
                     for i, x in enumerate(inputs)],
            "model": req["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })
        if fault == "malformed":
            return Outcome(200, payload[:len(payload) // 2], fault=fault, n=len(inputs))
        return Outcome(200, payload, fault=fault, n=len(inputs), completions=len(inputs))

    def models(self, seq, body):
        state = self.server.state
        return Outcome(200, compact({"object": "list", "data": [
            {"id": state.args.model, "object": "model", "created": state.started, "owned_by": "vlit"}]}))

    def health(self, seq, body):
        return Outcome(200, compact({"status": "ok"}))

    def stats(self, seq, body):
        return Outcome(200, compact(self.server.state.snapshot()))


ROUTES = {
    CHAT_PATH: ("POST", Handler.chat),
    EMBED_PATH: ("POST", Handler.embeddings),
    "/v1/models": ("GET", Handler.models),
    "/health": ("GET", Handler.health),
    "/stats": ("GET", Handler.stats),
}


class Server(ThreadingHTTPServer):
    daemon_threads = True      # a stuck client must never keep the process alive
    request_queue_size = 1024  # listen backlog: benchmarks open hundreds of connections at once

    def server_bind(self):
        # HTTPServer.server_bind looks up the host's FQDN; skipping it means start-up
        # never waits on a resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def handle_error(self, request, client_address):
        # Clients that hang up mid-request are normal under load and not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def write_port_file(path, port):
    # Write then rename, so a poller never reads an empty or half-written file.
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description="OpenAI-compatible test server (127.0.0.1 only).")

    def non_negative(kind):
        def convert(text):
            value = kind(text)
            if value < 0:
                raise argparse.ArgumentTypeError(f"{text} is negative")
            return value
        return convert

    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--replies", help="JSONL file of scripted reply rules")
    p.add_argument("--faults", default="", help="e.g. 429=0.1,500=0.1,delay=0.1,drop=0.1,malformed=0.1,notconv=0.1")
    p.add_argument("--seed", type=int, default=0, help="seed of the fault draws (default 0)")
    p.add_argument("--fail-first", type=non_negative(int), default=0, metavar="N",
                   help="the first N chat/embedding requests get 500")
    p.add_argument("--delay-seconds", type=non_negative(float), default=2.0,
                   help="sleep of the delay fault (default 2)")
    p.add_argument("--retry-after", type=non_negative(int), default=1,
                   help="Retry-After seconds of the 429 fault (default 1)")
    p.add_argument("--embed-dim", type=int, default=64, help="embedding dimension (default 64)")
    p.add_argument("--model", default="vlit-test-model", help="the model /v1/models lists")
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--max-requests", type=non_negative(int), default=0, metavar="N",
                   help="stop after N chat/embedding requests (0: no limit)")
    p.add_argument("--idle-exit", type=non_negative(float), default=0.0, metavar="SECONDS",
                   help="stop after SECONDS without requests (0: never)")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be from 0 to 65535")
    if args.embed_dim < 1:
        p.error("--embed-dim must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        faults = parse_faults(args.faults)
        rules = load_replies(args.replies) if args.replies else []
        state = State(args, faults, rules)
        server = Server((HOST, args.port), Handler)
    except (ValueError, OSError) as e:
        print(f"llm_server: {e}", file=sys.stderr)
        return 2
    server.state = state

    # The handler only sets a flag: anything that takes a lock in a signal handler
    # could deadlock against the interrupted main thread.
    signalled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: signalled.append(signum))

    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"llm_server: listening on http://{HOST}:{port}", file=sys.stderr, flush=True)

    while not signalled:
        with state.lock:
            if state.stop_requested:
                break
            if (args.idle_exit and state.in_flight == 0
                    and time.monotonic() - state.last_activity >= args.idle_exit):
                break
        time.sleep(0.05)

    server.shutdown()
    state.drain(args.delay_seconds + 1.0)
    server.server_close()
    state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
