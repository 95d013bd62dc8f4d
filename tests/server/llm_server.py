#!/usr/bin/env python3
"""A small OpenAI-compatible HTTP server for testing and benchmarking vlit's LLM client.

Standard library only, loopback only. Answers are deterministic (a hash of the
request, or scripted rules), and faults (rate limits, server errors, delays,
dropped connections, broken JSON, answers that are not conversations) can be
injected with a seeded random draw, so a client's retry and validation paths
can be exercised without a real model. See README.md beside this file.

The HTTP layer is a single asyncio event loop: one thread serves every
connection, so a benchmark's load costs the server little CPU per request. On the
wire it behaves as the http.server-based version before it did, malformed
requests included.
"""

import argparse
import asyncio
import base64
import binascii
import email.parser
import email.utils
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import sys
import time
from http import HTTPStatus
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


def embedding(data, dim):
    """The unit vector of a text (str) or of an image's decoded bytes (bytes): equal
    bytes give equal vectors, so an image file holding the UTF-8 bytes of a text
    embeds exactly like that text."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    stream = HashStream(b"embedding\0" + data)
    vec = [stream.below(1 << 32) / (1 << 31) - 1.0 for _ in range(dim)]
    norm = sum(x * x for x in vec) ** 0.5 or 1.0
    return [x / norm for x in vec]


DATA_URL_RE = re.compile(r"data:([A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+);base64,(.*)", re.S)


def decode_data_url(url, where):
    """(media type, bytes) of a base64 data URL; BadRequest if it is not one."""
    m = DATA_URL_RE.fullmatch(url) if isinstance(url, str) else None
    if m is None:
        raise BadRequest(400, f"{where} must be a base64 data URL (data:<type>;base64,...)")
    try:
        data = base64.b64decode(m[2], validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(400, f"{where}: the base64 data is malformed") from None
    if not data:
        raise BadRequest(400, f"{where}: the image is empty")
    return m[1], data


def image_parts(messages):
    """[(media type, bytes)] of the data-URL images in chat messages, in order. Other
    URLs (http...) are not fetched and not listed; a malformed data URL is a 400."""
    found = []
    for i, m in enumerate(messages):
        content = m.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            image_url = part.get("image_url")
            url = image_url.get("url") if isinstance(image_url, dict) else image_url
            where = f"messages[{i}].content[{j}].image_url.url"
            if not isinstance(url, str):
                raise BadRequest(400, f"{where} must be a string")
            if url.startswith("data:"):
                found.append(decode_data_url(url, where))
    return found


def image_log(images):
    return [{"type": t, "sha256": hashlib.sha256(d).hexdigest()} for t, d in images]


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
    """The inputs to embed, each a str (text) or bytes (an image), and the images as
    (media type, bytes). Three forms: "input" strings (text); "input" data URLs with
    "modality": "image" (as Infinity takes images); "messages" with one image_url part
    or one text (as vLLM's chat-style embeddings take them, one input per request)."""
    if not isinstance(req, dict):
        raise BadRequest(400, "the request body must be a JSON object")
    if not isinstance(req.get("model"), str):
        raise BadRequest(400, "model must be a string")
    # Answering floats to a client that asked for base64 would hide a client bug.
    if req.get("encoding_format", "float") != "float":
        raise BadRequest(400, "only encoding_format \"float\" is supported by this test server")
    if "messages" in req:
        if "input" in req:
            raise BadRequest(400, "give input or messages, not both")
        messages = req["messages"]
        if (not isinstance(messages, list) or not messages
                or not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)):
            raise BadRequest(400, "messages must be a non-empty array of objects with a string role")
        images = image_parts(messages)
        text = "\n".join(t for t in (message_text(m.get("content")) for m in messages) if t)
        if len(images) == 1 and not text:
            return [images[0][1]], images
        if not images and text:
            return [text], []
        raise BadRequest(400, "a messages embedding request takes one image or one text (this test server)")
    inputs = req.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if (not isinstance(inputs, list) or not inputs
            or not all(isinstance(x, str) for x in inputs)):
        raise BadRequest(400, "input must be a string or a non-empty array of strings")
    modality = req.get("modality", "text")
    if modality == "text":
        return inputs, []
    if modality != "image":
        raise BadRequest(400, "modality must be \"text\" or \"image\"")
    images = [decode_data_url(x, f"input[{i}]") for i, x in enumerate(inputs)]
    return [d for _, d in images], images


class Outcome:
    """What one request got; recorded in the counters and the log before it is sent."""

    def __init__(self, status, body=b"", headers=(), fault=None, n=None, completions=0, close=False):
        self.images = []      # (media type, bytes) of the data-URL images the request carried
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


class Delayed:
    """The delay fault's answer: `make()` builds the Outcome once `seconds` have passed.

    The connection waits with asyncio.sleep, so other connections are served meanwhile.
    """

    def __init__(self, seconds, make):
        self.seconds = seconds
        self.make = make


class State:
    """Everything the connections share: config, the fault RNG, counters, the log.

    It is only ever used from the event loop's one thread, so it needs no lock.
    """

    def __init__(self, args, faults, rules):
        self.args = args
        self.faults = faults
        self.rules = rules
        self.started = int(time.time())
        self.rng = random.Random(args.seed)
        self.seq = 0
        self.drawn = 0         # requests that drew a fault, for --fail-first
        self.api_done = 0      # requests to the POST endpoints, for --max-requests
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.stop = asyncio.Event()  # set by a signal, --max-requests or --idle-exit
        self.connections = set()     # open Connections, closed at exit
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
        self.seq += 1
        self.stats["requests"] += 1
        self.in_flight += 1
        self.last_activity = time.monotonic()
        return self.seq

    def end(self, api):
        self.in_flight -= 1
        self.last_activity = time.monotonic()
        if api:
            self.api_done += 1
            if self.args.max_requests and self.api_done >= self.args.max_requests:
                self.stop.set()

    def draw_fault(self):
        # One draw per eligible request, in the order their bodies are complete: with a
        # fixed seed the k-th request to arrive always gets the k-th draw.
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
                    "request_sha256": hashlib.sha256(body).hexdigest(),
                    "images": image_log(outcome.images)}
            self.log.write(json.dumps(line, separators=(",", ":")) + "\n")
            self.log.flush()

    def snapshot(self):
        return json.loads(json.dumps(self.stats))

    def watch_idle(self):
        """Sets `stop` after --idle-exit seconds without requests; wakes only when it may be due."""
        now = time.monotonic()
        if self.in_flight:
            due = now + self.args.idle_exit
        else:
            due = self.last_activity + self.args.idle_exit
            if now >= due:
                self.stop.set()
                return
        asyncio.get_running_loop().call_later(due - now, self.watch_idle)

    async def drain(self, deadline):
        """Waits (until the time.monotonic() `deadline`) for requests in progress, then closes
        the connections, letting them send what they still buffer: a stop does not cut off
        answers already promised."""
        while self.in_flight > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for conn in list(self.connections):
            conn.close()
        await asyncio.sleep(0)  # a connection with nothing left to send is gone after this
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    def close(self):
        if self.log:
            self.log.close()


# --- endpoints: each takes (state, seq, body) and returns an Outcome (or Delayed) ---

def parse_json(body):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(400, "the request body is not valid JSON") from None


def apply_fault(state, fault, n, answer):
    """The answer to a valid API request that drew `fault`; answer(fault) builds the normal one."""
    args = state.args
    if fault == "429":
        return error_outcome(429, "Rate limit reached (simulated by the test server)",
                             headers=[("Retry-After", str(args.retry_after))], fault=fault, n=n)
    if fault in ("500", "fail-first"):
        return error_outcome(500, "The server had an error (simulated by the test server)",
                             fault=fault, n=n)
    if fault == "drop":
        return Outcome(None, fault=fault, n=n)
    if fault == "delay":
        return Delayed(args.delay_seconds, lambda: answer(fault))
    return answer(fault)


def with_images(result, images):
    """Attaches the request's images to its Outcome (now, or once a delay is over)."""
    if isinstance(result, Delayed):
        make = result.make

        def later():
            outcome = make()
            outcome.images = images
            return outcome
        result.make = later
    else:
        result.images = images
    return result


def chat(state, seq, body):
    req = parse_json(body)
    n = check_chat(req)
    images = image_parts(req["messages"])
    fault = state.draw_fault()
    return with_images(apply_fault(state, fault, n, lambda fault: chat_answer(state, seq, req, n, fault)), images)


def request_seed(req):
    seed = req.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else 0


def chat_answer(state, seq, req, n, fault):
    if fault == "notconv":
        contents = [NOT_CONVERSATIONS[i % len(NOT_CONVERSATIONS)] for i in range(n)]
    else:
        contents = None
        last_user = next((message_text(m.get("content")) for m in reversed(req["messages"])
                          if m["role"] == "user"), "")
        seed = request_seed(req)
        for match, replies in state.rules:
            if match in last_user:
                # choice i of a request with "seed": s gets replies[(s + i) % len]: the k
                # one-choice requests of a judge (seeds 0..k-1) get successive replies
                contents = [replies[(seed + i) % len(replies)] for i in range(n)]
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


def embeddings(state, seq, body):
    req = parse_json(body)
    inputs, images = check_embeddings(req)
    fault = state.draw_fault()
    if fault == "notconv":
        fault = "none"  # there is no conversation in an embedding to get wrong
    return with_images(apply_fault(state, fault, len(inputs),
                                   lambda fault: embeddings_answer(state, req, inputs, fault)), images)


def embeddings_answer(state, req, inputs, fault):
    dim = state.args.embed_dim
    tokens = sum(words(x) for x in inputs if isinstance(x, str))  # images count nothing
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


def models(state, seq, body):
    return Outcome(200, compact({"object": "list", "data": [
        {"id": state.args.model, "object": "model", "created": state.started, "owned_by": "vlit"}]}))


def health(state, seq, body):
    return Outcome(200, compact({"status": "ok"}))


def stats(state, seq, body):
    return Outcome(200, compact(state.snapshot()))


ROUTES = {
    CHAT_PATH: ("POST", chat),
    EMBED_PATH: ("POST", embeddings),
    "/v1/models": ("GET", models),
    "/health": ("GET", health),
    "/stats": ("GET", stats),
}


# --- the HTTP layer -----------------------------------------------------------------
#
# It reproduces what http.server's BaseHTTPRequestHandler (HTTP/1.1, the server's
# former base) did on the wire: the same reads with the same limits, the same
# answers to malformed requests, the same response headers. Only the threads are gone.

SERVER_NAME = "vlit-test-llm/1"
IDLE_TIMEOUT = 60      # seconds a connection may keep the server waiting for bytes
MAX_LINE = 65536       # http.client's limit on the request line and each header line
MAX_HEADERS = 100      # ... and on the header lines, the blank line that ends them included
METHODS = frozenset(("GET", "POST", "PUT", "DELETE", "PATCH"))  # the others get 501
PHRASES = {s.value: s.phrase for s in HTTPStatus}
HEADERS_WANTED = ("connection", "expect", "transfer-encoding", "content-length")
# A header line that http.server's email parser reads as one plain "Name: value"
# field. Any other line (folded, with a stray CR, not a field at all) sends the whole
# header block through that parser, so odd requests are read exactly as before.
FIELD_RE = re.compile(rb"([!-9;-~]+):[ \t]*([^\r\n]*)\r?\n")

_date_cache = (0, "")


def http_date():
    """The Date header's value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]


def http_version(word):
    """(major, minor) of "HTTP/x.y"; ValueError or IndexError as in http.server's parse_request."""
    if not word.startswith("HTTP/"):
        raise ValueError
    number = word.split("/", 1)[1].split(".")
    if len(number) != 2:
        raise ValueError
    return int(number[0]), int(number[1])


def header_fields(lines):
    """The header fields the server uses (HEADERS_WANTED), lower-case name -> value, from
    the header lines read; of repeated fields the first counts, as with http.server."""
    fields = {}
    for line in lines[:-1]:  # the last line is the blank one (or the end of input) that ended them
        m = FIELD_RE.fullmatch(line)
        if m is None:
            return header_fields_slowly(lines)
        name = m[1].decode("ascii").lower()
        if name in HEADERS_WANTED and name not in fields:
            fields[name] = m[2].decode("iso-8859-1")
    return fields


def header_fields_slowly(lines):
    # What http.client.parse_headers made of the lines http.server had read.
    msg = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(
        b"".join(lines).decode("iso-8859-1"))
    fields = {name: msg.get(name) for name in HEADERS_WANTED}
    return {name: value for name, value in fields.items() if value is not None}


class Request:
    """A request whose headers have arrived: counted, and in progress until answered."""

    __slots__ = ("method", "path", "version", "close", "arrived", "seq", "api")

    def __init__(self, state, method, path, version, close):
        self.method = method
        self.path = path        # without the query string, which is never logged
        self.version = version  # as the request line gave it
        self.close = close      # close the connection after the answer
        self.arrived = time.time()
        self.seq = state.begin()
        self.api = method == "POST" and path in (CHAT_PATH, EMBED_PATH)


# Every connection receives into this one buffer and copies what arrived out of it at
# once (all on one thread). A BufferedProtocol because the plain Protocol's recv()
# allocates 256 KiB for every read, which glibc maps and unmaps each time.
RECV_BUFFER = memoryview(bytearray(256 * 1024))


class Connection(asyncio.BufferedProtocol):
    """One client connection: reads requests from the bytes received and answers them in order.

    The parser is a chain of steps over a receive buffer (`self.step`); a step consumes
    what it needs and returns True to go on, or False to wait for more bytes (or to
    stop, once the connection is closing). _readline and _read behave like the
    buffered socket file http.server read from, end of input included, so each step
    makes the very reads, with the same limits, that http.server made.
    """

    def __init__(self, state):
        self.state = state
        self.loop = asyncio.get_running_loop()
        self.transport = None
        self.buf = bytearray()
        self.pos = 0                 # bytes of buf already consumed
        self.eof = False             # the client has sent everything it will send
        self.closing = False
        self.busy = False            # a delayed answer is pending; later requests wait
        self.write_paused = False    # the client is not reading its answers
        self.last_io = self.loop.time()
        self.timer = None
        self.task = None             # the delayed answer's task (the loop keeps only a weak reference)
        self.step = self._request_line
        # The request being read: request line and headers, then the body.
        self.method = self.target = self.version = None
        self.close_after = True
        self.lines = []
        self.req = None              # set once the headers are in, until the body is
        self.length = 0
        self.total = 0
        self.chunks = []

    # --- asyncio callbacks ---------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.state.connections.add(self)
        self.timer = self.loop.call_later(IDLE_TIMEOUT, self._check_idle)

    def get_buffer(self, sizehint):
        return RECV_BUFFER

    def buffer_updated(self, nbytes):
        self.buf += RECV_BUFFER[:nbytes]
        self.last_io = self.loop.time()
        self._run()

    def eof_received(self):
        self.eof = True
        self._run()
        return True  # keep the socket open: what was received still gets its answers

    def connection_lost(self, exc):
        self.closing = True
        self.timer.cancel()
        self.state.connections.discard(self)
        if self.req is not None:
            # Gone in the middle of a request body: the request was counted when its
            # headers arrived and is over now, with nothing to log or answer.
            self.state.end(self.req.api)
            self.req = None

    def pause_writing(self):
        self.write_paused = True
        self._flow()

    def resume_writing(self):
        self.write_paused = False
        self.last_io = self.loop.time()
        self._flow()

    # --- reading ---------------------------------------------------------------------

    def _run(self):
        """Parses and answers what the buffer holds, as far as it goes."""
        while not (self.busy or self.write_paused or self.closing):
            try:
                if not self.step():
                    break
            except BadRequest as e:
                # No length, a bad one, too large, bad chunked encoding: answered and
                # logged like any request, with an empty body.
                req, self.req = self.req, None
                self.step = self._request_line
                self._respond(req, b"", error_outcome(e.status, str(e), close=e.close))
        if self.pos:
            del self.buf[:self.pos]  # cheap: bytearray drops a prefix without copying
            self.pos = 0

    def _flow(self):
        """Reads only while requests can be answered: not while one is delayed, nor while
        the client leaves its answers unread (http.server's thread read nothing then either)."""
        if self.closing:
            return
        if self.busy or self.write_paused:
            self.transport.pause_reading()
        else:
            if not self.eof:
                self.transport.resume_reading()
            self._run()

    def _readline(self, limit):
        """Like readline(limit) of a buffered file: a line with its newline, or `limit`
        bytes, or at the end of input what is left; None until one of those is there."""
        buf, pos = self.buf, self.pos
        end = buf.find(b"\n", pos, pos + limit)
        if end >= 0:
            end += 1
        elif len(buf) - pos >= limit:
            end = pos + limit
        elif self.eof:
            end = len(buf)
        else:
            return None
        self.pos = end
        return bytes(buf[pos:end])

    def _read(self, size):
        """Like read(size) of a buffered file: `size` bytes, or fewer at the end of input."""
        buf, pos = self.buf, self.pos
        if len(buf) - pos >= size:
            end = pos + size
        elif self.eof:
            end = len(buf)
        else:
            return None
        self.pos = end
        return bytes(buf[pos:end])

    # --- the parser's steps, in the order http.server read a request -----------------

    def _request_line(self):
        line = self._readline(MAX_LINE + 1)
        if line is None:
            return False
        self.method, self.version, self.close_after = None, "HTTP/0.9", True
        if len(line) > MAX_LINE:
            self.method = self.version = ""
            return self._http_error(414)
        if not line:
            return self.close()  # the client is done
        text = str(line, "iso-8859-1").rstrip("\r\n")
        words = text.split()
        if not words:
            return self.close()  # a blank line: http.server closed without an answer
        if len(words) >= 3:
            word = words[-1]
            try:
                number = http_version(word)
            except (ValueError, IndexError):
                return self._http_error(400, f"Bad request version ({word!r})")
            if number >= (1, 1):
                self.close_after = False  # HTTP/1.1 keeps the connection open by default
            if number >= (2, 0):
                return self._http_error(505, f"Invalid HTTP version ({word.split('/', 1)[1]})")
            self.version = word
        if not 2 <= len(words) <= 3:
            return self._http_error(400, f"Bad request syntax ({text!r})")
        method, target = words[:2]
        if len(words) == 2:  # HTTP/0.9: GET only, answered with a bare body
            if method != "GET":
                return self._http_error(400, f"Bad HTTP/0.9 request type ({method!r})")
        self.method = method
        self.target = "/" + target.lstrip("/") if target.startswith("//") else target
        self.lines = []
        self.step = self._headers
        return True

    def _headers(self):
        lines = self.lines
        while True:
            line = self._readline(MAX_LINE + 1)
            if line is None:
                return False
            if len(line) > MAX_LINE:
                return self._http_error(431, "Line too long")
            lines.append(line)
            if len(lines) > MAX_HEADERS:
                return self._http_error(431, "Too many headers")
            if line in (b"\r\n", b"\n", b""):
                return self._start(header_fields(lines))

    def _start(self, fields):
        """The headers are in: Connection and Expect, then the request begins and its body follows."""
        conntype = fields.get("connection", "").lower()
        if conntype == "close":
            self.close_after = True
        elif conntype == "keep-alive":
            self.close_after = False
        # (http.server compared the version strings, so "HTTP/1.10" counts as well.)
        if fields.get("expect", "").lower() == "100-continue" and self.version >= "HTTP/1.1":
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self.method not in METHODS:
            return self._http_error(501, f"Unsupported method ({self.method!r})")
        try:
            path = urlsplit(self.target).path
        except ValueError:  # e.g. "http://[::1" (the threaded version died here with a traceback)
            return self._http_error(400, f"Bad request target ({self.target!r})")
        self.req = Request(self.state, self.method, path, self.version, self.close_after)
        # The body: chunked, or Content-Length bytes, or none (but a POST needs one).
        if fields.get("transfer-encoding", "").lower() == "chunked":
            self.chunks, self.total = [], 0
            self.step = self._chunk_size
            return True
        length = fields.get("content-length")
        if length is None:
            if self.method == "POST":
                raise BadRequest(411, "Content-Length or chunked encoding required", close=True)
            return self._body_done(b"")
        try:
            size = int(length)
            if size < 0:
                raise ValueError
        except ValueError:
            raise BadRequest(400, "bad Content-Length", close=True) from None
        if size > MAX_BODY:
            raise BadRequest(413, f"request body larger than {MAX_BODY} bytes", close=True)
        self.length = size
        self.step = self._body
        return True

    def _body(self):
        body = self._read(self.length)
        if body is None:
            return False
        if len(body) < self.length:
            raise BadRequest(400, "request body shorter than Content-Length", close=True)
        return self._body_done(body)

    def _chunk_size(self):
        line = self._readline(1024)
        if line is None:
            return False
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest(400, "bad chunked encoding", close=True) from None
        if size < 0:  # the threaded version read to the end of input first, then failed alike
            raise BadRequest(400, "bad chunked encoding", close=True)
        if size == 0:
            self.step = self._trailers
            return True
        self.total += size
        if self.total > MAX_BODY:
            raise BadRequest(413, f"request body larger than {MAX_BODY} bytes", close=True)
        self.length = size
        self.step = self._chunk_data
        return True

    def _chunk_data(self):
        data = self._read(self.length)
        if data is None:
            return False
        self.chunks.append(data)
        self.step = self._chunk_end
        return True

    def _chunk_end(self):
        if self._readline(1024) is None:  # the CRLF that ends each chunk
            return False
        self.step = self._chunk_size
        return True

    def _trailers(self):
        while True:
            line = self._readline(65537)
            if line is None:
                return False
            if line in (b"\r\n", b"\n", b""):  # trailers carry nothing the server needs
                return self._body_done(b"".join(self.chunks))

    def _body_done(self, body):
        req, self.req = self.req, None
        self.step = self._request_line
        self._dispatch(req, body)
        return True

    # --- answering -------------------------------------------------------------------

    def _dispatch(self, req, body):
        route = ROUTES.get(req.path)
        try:
            if route is None:
                outcome = error_outcome(404, f"Invalid URL ({req.method} {req.path})")
            elif route[0] != req.method:
                outcome = error_outcome(405, f"{req.path} accepts {route[0]} only",
                                        headers=[("Allow", route[0])])
            else:
                outcome = route[1](self.state, req.seq, body)
        except BadRequest as e:
            outcome = error_outcome(e.status, str(e), close=e.close)
        except BaseException:
            self.state.end(req.api)  # a bug: asyncio prints the traceback and drops the connection
            raise
        if isinstance(outcome, Delayed):
            self.busy = True  # this connection waits; the others carry on
            self._flow()
            self.task = self.loop.create_task(self._respond_later(req, body, outcome))
        else:
            self._respond(req, body, outcome)

    async def _respond_later(self, req, body, delayed):
        try:
            await asyncio.sleep(delayed.seconds)
            outcome = delayed.make()
        except BaseException:
            self.state.end(req.api)  # cancelled at exit, or a bug
            raise
        self._respond(req, body, outcome)
        self.busy = False
        self.task = None
        self._flow()  # on to the requests that came in meanwhile

    def _respond(self, req, body, outcome):
        """Records the outcome (counters, log), then sends it or drops the connection."""
        try:
            self.state.record(req.seq, req.arrived, req.path, body, outcome)
            if outcome.status is None:
                self.close()  # the drop fault: no response at all
            else:
                if outcome.close:
                    req.close = True
                    outcome.headers.append(("Connection", "close"))
                self._send(outcome.status, outcome.body, outcome.headers, req.version)
                if req.close:
                    self.close()
        finally:
            self.state.end(req.api)

    def _http_error(self, status, message=None):
        """An error of the HTTP layer itself (bad request line, unknown method...), answered
        as http.server's send_error did, but in the server's JSON error shape: not counted
        or logged, and the connection closes since the body may be unread."""
        outcome = error_outcome(status, message or PHRASES[status])
        self._send(status, outcome.body, [("Connection", "close")], self.version,
                   head_only=self.method == "HEAD")
        return self.close()

    def _send(self, status, body, headers, version, head_only=False):
        # A HEAD answer announces the body's length but never sends it; an HTTP/0.9
        # request (or a request line too bad to tell) got the bare body from http.server.
        data = b"" if head_only else body
        if version != "HTTP/0.9":
            head = (f"HTTP/1.1 {status} {PHRASES[status]}\r\nServer: {SERVER_NAME}\r\n"
                    f"Date: {http_date()}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n")
            for name, value in headers:
                head += f"{name}: {value}\r\n"
            data = (head + "\r\n").encode("latin-1") + data
        self._write(data)
        self.last_io = self.loop.time()

    def _write(self, data):
        if not self.closing:  # else the client went away; nothing to tell it
            self.transport.write(data)
            if self.transport.is_closing():
                # The send failed (the client reset the connection): stop here, as the
                # threaded version did, rather than answer pipelined requests nobody reads.
                self.closing = True

    def close(self):
        if not self.closing:
            self.closing = True
            self.transport.close()  # after what is still buffered has been sent
        return False

    def _check_idle(self):
        # The 60 s socket timeout of the threaded version: a client that keeps the server
        # waiting that long for bytes (or for room to write its answer) is cut off, unanswered.
        now = self.loop.time()
        due = (now if self.busy else self.last_io) + IDLE_TIMEOUT
        if now >= due:
            self.closing = True
            self.transport.abort()
        else:
            self.timer = self.loop.call_at(due, self._check_idle)


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


def listen(port):
    # As socketserver's TCPServer did (so errors read the same): SO_REUSEADDR, bind, listen.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(1024)  # the backlog: benchmarks open hundreds of connections at once
    except OSError:
        sock.close()
        raise
    return sock


async def serve(state, sock):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(state), sock=sock, backlog=1024)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, state.stop.set)
    port = sock.getsockname()[1]
    args = state.args
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"llm_server: listening on http://{HOST}:{port}", file=sys.stderr, flush=True)
    if args.idle_exit:
        state.watch_idle()

    await state.stop.wait()
    server.close()  # no new connections; requests in progress may finish
    await state.drain(time.monotonic() + args.delay_seconds + 1.0)
    return 0


def main(argv=None):
    args = parse_args(argv)
    try:
        faults = parse_faults(args.faults)
        rules = load_replies(args.replies) if args.replies else []
        state = State(args, faults, rules)
        sock = listen(args.port)
    except (ValueError, OSError) as e:
        print(f"llm_server: {e}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(state, sock))
    finally:
        state.close()


if __name__ == "__main__":
    sys.exit(main())
