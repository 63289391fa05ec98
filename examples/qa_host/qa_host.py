#!/usr/bin/env python3
"""The Q&A example host: a tiny question-and-answer site that embeds Parlor's chat.

It is the proof that the host contract (docs and `parlor.toml`'s `[[hosts]]`) is enough to
plug Parlor in, so it shares no code with Parlor: Python's standard library only, the JWT
(HS256) and the Standard Webhooks signature done by hand with `hmac`.

Layout:
- settings: `Settings.load()`, from the environment and `host.toml` (the host's secrets);
- sign-in token: `sign_token()`;
- webhooks: `verify_webhook()` and the in-memory `Inbox`;
- Parlor's server-to-server API: `Parlor`, and `open_chat()` for a question page;
- the site: `USERS`, `QUESTIONS`, the pages, `Handler` (the routes), `main()`.

Run it with `make qa-host` (Parlor and this host together), or alone:
    python3 examples/qa_host/qa_host.py                  # serves http://127.0.0.2:8000
    python3 examples/qa_host/qa_host.py --print-token bob
Settings: QA_LISTEN (127.0.0.2:8000), QA_PUBLIC_URL (http://<QA_LISTEN>), PARLOR_URL
(http://127.0.0.1:3000), QA_HOST_CONFIG (host.toml beside this file).
"""

import argparse
import base64
import hashlib
import hmac
import html
import http.cookies
import json
import os
import re
import secrets
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class Settings:
    """Everything the host is configured with; loaded once in `main` and passed in."""

    listen: str
    public_url: str
    parlor_url: str
    host_id: str
    api_key: str
    signing_kid: str
    signing_secret: str
    webhook_key: bytes

    @staticmethod
    def load() -> "Settings":
        listen = os.environ.get("QA_LISTEN", "127.0.0.2:8000")
        path = os.environ.get("QA_HOST_CONFIG", os.path.join(HERE, "host.toml"))
        try:
            with open(path, "rb") as f:
                secrets_file = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            sys.exit(f"qa_host: cannot read {path}: {e}")
        try:
            host_id = str(secrets_file["host_id"])
            api_key = str(secrets_file["api_key"])
            kid = str(secrets_file["signing_kid"])
            signing_secret = str(secrets_file["signing_secret"])
            webhook_secret = str(secrets_file["webhook_secret"])
        except KeyError as e:
            sys.exit(f"qa_host: {path} lacks {e.args[0]}")
        if len(signing_secret) < 32:
            sys.exit(f"qa_host: {path}: signing_secret must have at least 32 characters")
        # Standard Webhooks: the key is the base64 after the `whsec_` prefix.
        try:
            webhook_key = base64.b64decode(webhook_secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            sys.exit(f"qa_host: {path}: webhook_secret is not whsec_<base64>")
        return Settings(
            listen=listen,
            public_url=os.environ.get("QA_PUBLIC_URL", f"http://{listen}").rstrip("/"),
            parlor_url=os.environ.get("PARLOR_URL", "http://127.0.0.1:3000").rstrip("/"),
            host_id=host_id,
            api_key=api_key,
            signing_kid=kid,
            signing_secret=signing_secret,
            webhook_key=webhook_key,
        )

    @property
    def parlor_origin(self) -> str:
        """Parlor's origin as a browser spells it (no default port): what `message` events from
        the embed carry in `event.origin`, and what the page's CSP lets it frame."""
        parts = urllib.parse.urlsplit(self.parlor_url)
        netloc = parts.netloc.lower()
        default = {"http": ":80", "https": ":443"}.get(parts.scheme)
        if default and netloc.endswith(default):
            netloc = netloc[: -len(default)]
        return f"{parts.scheme}://{netloc}"


# ---------------------------------------------------------------------------------------------
# Sign-in token (JWT, HS256)

TOKEN_LIFETIME_SECS = 120  # Parlor refuses more than 300; the token is used at once anyway.


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515, section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_token(settings: Settings, sub: str, name=None, locale=None, now=None) -> str:
    """A fresh single-use sign-in token for `sub`: a new `jti` each time, because Parlor
    refuses a token it has seen (token_replayed), so every page load signs its own."""
    iat = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT", "kid": settings.signing_kid}
    claims = {
        "iss": settings.host_id,
        "aud": "parlor",
        "sub": sub,
        "iat": iat,
        "exp": iat + TOKEN_LIFETIME_SECS,
        "jti": secrets.token_hex(16),
    }
    if name:
        claims["name"] = name
    if locale:
        claims["locale"] = locale
    # JSON in UTF-8 (RFC 7519): a Korean name travels as its own bytes, not \u escapes.
    encode = lambda value: b64url(
        json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    )
    signing_input = f"{encode(header)}.{encode(claims)}"
    mac = hmac.new(
        settings.signing_secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256
    )
    return f"{signing_input}.{b64url(mac.digest())}"


# ---------------------------------------------------------------------------------------------
# Webhooks (Standard Webhooks)

WEBHOOK_TOLERANCE_SECS = 5 * 60
MAX_WEBHOOK_BYTES = 256 * 1024


def verify_webhook(key: bytes, headers, body: bytes, now=None):
    """None when the request is Parlor's, else why not (for the log line).

    The signed content is `<webhook-id>.<webhook-timestamp>.<body>`, byte for byte as it
    arrived: the body is verified before it is parsed. `webhook-signature` may hold several
    space-separated `v1,<base64>` entries (a secret being rotated); any match will do.
    """
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        return "missing_headers"
    if not stamp.isascii() or not stamp.isdigit():
        return "bad_timestamp"
    now = time.time() if now is None else now
    # An old request replayed by someone who recorded it is refused, even well signed.
    if abs(now - int(stamp)) > WEBHOOK_TOLERANCE_SECS:
        return "stale_timestamp"
    signed = f"{msg_id}.{stamp}.".encode("utf-8") + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        # compare_digest: the time taken does not tell how much of a guess was right.
        if version == "v1" and hmac.compare_digest(
            signature.encode("ascii", "replace"), expected
        ):
            return None
    return "bad_signature"


@dataclass
class Inbox:
    """The events received, in arrival order, each stored once (deliveries are at least once,
    so a retry of an event already here is answered 200 and not stored again).

    `arrivals` counts every request naming an id, including those failed on purpose by the
    debug knob: the number that shows Parlor retried with the same `webhook-id`.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    events: list = field(default_factory=list)
    ids: set = field(default_factory=set)
    arrivals: dict = field(default_factory=dict)
    rejected: int = 0
    fail_next: int = 0
    failed_on_purpose: int = 0

    MAX_ARRIVAL_IDS = 100_000  # ids of failed requests are unverified: keep their count bounded

    def _arrived(self, msg_id):
        if msg_id and (msg_id in self.arrivals or len(self.arrivals) < self.MAX_ARRIVAL_IDS):
            self.arrivals[msg_id] = self.arrivals.get(msg_id, 0) + 1

    def take_failure(self, msg_id) -> bool:
        """True when this request is to be answered 500 (GET /debug/fail-webhooks)."""
        with self.lock:
            if self.fail_next <= 0:
                return False
            self.fail_next -= 1
            self.failed_on_purpose += 1
            self._arrived(msg_id)
            return True

    def reject(self):
        with self.lock:
            self.rejected += 1

    def accept(self, msg_id, event) -> bool:
        """Stores a verified event unless its id is already here; True when it was new."""
        with self.lock:
            self._arrived(msg_id)
            if msg_id in self.ids:
                return False
            self.ids.add(msg_id)
            self.events.append((msg_id, event))
            return True

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "received": [
                    {
                        "id": msg_id,
                        "type": event.get("type"),
                        "data": event.get("data"),
                        "attempt_seen": self.arrivals.get(msg_id, 1),
                    }
                    for msg_id, event in self.events
                ],
                "rejected": self.rejected,
                "failed_on_purpose": self.failed_on_purpose,
                "fail_next": self.fail_next,
            }


# ---------------------------------------------------------------------------------------------
# Parlor's server-to-server API


class ParlorError(Exception):
    """A call to Parlor that did not succeed: `status` None when Parlor did not answer."""

    def __init__(self, status, code):
        super().__init__(f"{status or '-'} {code}")
        self.status = status
        self.code = code


class Parlor:
    """`/api/v1` with the host's bearer key, JSON in and out."""

    def __init__(self, settings: Settings, timeout=5.0):
        self.base = settings.parlor_url + "/api/v1"
        self.api_key = settings.api_key
        self.timeout = timeout
        # No proxies: an http_proxy variable must not send the API key to a proxy.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None, idempotency_key=None):
        """(status, decoded JSON) for a 2xx answer; ParlorError otherwise."""
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            code = "http_error"
            try:
                code = str(json.loads(e.read())["error"]["code"])
            except (ValueError, KeyError, TypeError, OSError):
                pass
            raise ParlorError(e.code, code) from None
        except (OSError, ValueError):  # refused, timed out, reset, not JSON
            raise ParlorError(None, "unavailable") from None

    @staticmethod
    def room_path(key):
        return "/rooms/" + urllib.parse.quote(key, safe=":")

    @staticmethod
    def user(sub):
        # User ids may be any printable text: every character that is not plain is escaped.
        return urllib.parse.quote(sub, safe="")

    def put_room(self, key, title, link) -> bool:
        """PUT /rooms/{key}; True when the room was created now (201)."""
        status, _ = self.call("PUT", self.room_path(key), {"title": title, "link": link})
        return status == 201

    def put_member(self, key, sub, name):
        self.call("PUT", f"{self.room_path(key)}/members/{self.user(sub)}", {"name": name})

    def notice(self, key, body, idempotency_key):
        """A system notice (no `from`: Parlor shows it as the host's name). The idempotency
        key makes a retry, or a second click, the same message."""
        self.call("POST", f"{self.room_path(key)}/messages", {"body": body}, idempotency_key)

    def unread(self, sub):
        """(total unread, rooms) for a user; (0, []) when Parlor does not know them yet."""
        try:
            _, data = self.call("GET", f"/users/{self.user(sub)}/rooms")
        except ParlorError as e:
            if e.code == "user_not_found":
                return 0, []
            raise
        return int(data.get("unread", 0)), data.get("rooms", [])


# ---------------------------------------------------------------------------------------------
# The site's data


@dataclass(frozen=True)
class User:
    sub: str
    name: str
    lang: str  # the host page's language, and the token's `locale`


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    asker: str
    body: str

    @property
    def room_key(self):
        return f"question:{self.id}"


USERS = {
    "alice": User("alice", "Alice", "en"),
    "bob": User("bob", "Bob", "en"),
    "carol": User("carol", "김하늘", "ko"),
}

QUESTIONS = {
    "1": Question(
        "1",
        "How do I keep Hangul jamo from splitting in a textarea?",
        "alice",
        "When I read the value of a <textarea> on every keydown, 한글 sometimes comes out as "
        "separate jamo (ㅎ ㅏ ㄴ) instead of 한. How do I wait until the IME has finished "
        "composing?",
    ),
    "2": Question(
        "2",
        "Why does my WebSocket close with code 1006 behind nginx?",
        "bob",
        "The socket works locally, but behind nginx it closes with 1006 after about a minute "
        "of silence. Which proxy setting am I missing?",
    ),
}

# Words of the pages' own chrome; the questions themselves stay in English (lang="en").
TEXT = {
    "en": {
        "site": "Q&A Example",
        "questions": "Questions",
        "asked_by": "asked by",
        "signed_in_as": "Signed in as",
        "sign_out": "Sign out",
        "sign_in_as": "Sign in as",
        "chat": "Chat",
        "sign_in_to_chat": "Sign in to chat:",
        "chat_unavailable": "Chat unavailable right now",
        "mark_answered": "Mark as answered",
        "answered": "Answered",
        "back": "All questions",
        "reload_loop": "The chat session ended. Reload the page to sign in to it again.",
    },
    "ko": {
        "site": "Q&A 예제",
        "questions": "질문",
        "asked_by": "질문자",
        "signed_in_as": "로그인한 사용자:",
        "sign_out": "로그아웃",
        "sign_in_as": "다른 사용자로 로그인:",
        "chat": "채팅",
        "sign_in_to_chat": "채팅하려면 로그인하세요:",
        "chat_unavailable": "지금은 채팅을 사용할 수 없습니다",
        "mark_answered": "답변 완료로 표시",
        "answered": "답변 완료",
        "back": "모든 질문",
        "reload_loop": "채팅 세션이 끝났습니다. 다시 로그인하려면 페이지를 새로 고치세요.",
    },
}

NOTICE_OPENED = "Chat for this question opened"
NOTICE_ANSWERED = "The question was answered"


@dataclass
class SiteState:
    """What the site remembers while it runs (a demo keeps it in memory)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: set = field(default_factory=set)
    inbox: Inbox = field(default_factory=Inbox)


# ---------------------------------------------------------------------------------------------
# Opening a question's chat


def open_room(parlor: Parlor, settings: Settings, question: Question, members):
    """Makes sure the question's room exists with `members` in it; the first call (201)
    also posts the opening notice. Every call is idempotent, so each page load repeats them
    instead of the host keeping track of what Parlor already has."""
    key = question.room_key
    created = parlor.put_room(key, question.title, f"{settings.public_url}/questions/{question.id}")
    for sub in dict.fromkeys(members):  # the asker may be the current user: one call, not two
        parlor.put_member(key, sub, USERS[sub].name)
    if created:
        parlor.notice(key, NOTICE_OPENED, f"room-opened:{key}")


def embed_src(settings: Settings, question: Question, user: User) -> str:
    """The iframe's address. The token goes in the fragment: browsers send it to no server
    and write it in no log, and Parlor refuses one in the query (token_in_query)."""
    token = sign_token(settings, user.sub, name=user.name, locale=user.lang)
    query = urllib.parse.urlencode({"host": settings.host_id, "lang": user.lang})
    return f"{settings.parlor_url}/embed/rooms/{question.room_key}?{query}#token={token}"


# ---------------------------------------------------------------------------------------------
# Pages. Every piece of text goes through esc(); only the literals below are markup.


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def script_json(value) -> str:
    """JSON for inside a <script>: no `<`, `>` or `&`, so no text can close the element."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 0 auto; padding: 0 1rem; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline;
         border-bottom: 1px solid #ccc; padding: .75rem 0; }
header .site { font-weight: 600; margin-right: auto; }
.badge { background: #1f5fbf; color: #fff; border-radius: 1rem; padding: 0 .6rem; }
.note { background: #fff4d6; border: 1px solid #e0b84c; padding: .5rem .75rem; }
.answered { color: #17692e; font-weight: 600; }
"""


def header_html(user, lang, here, unread) -> str:
    t = TEXT[lang]
    parts = [f'<a class="site" href="/">{esc(t["site"])}</a>']
    if unread:
        count, link = unread
        label = f'{esc(t["chat"])} ({esc(count)})'
        if link:
            parts.append(
                f'<a class="badge" data-testid="chat-unread" href="{esc(link)}">{label}</a>'
            )
        else:
            parts.append(f'<span class="badge" data-testid="chat-unread">{label}</span>')
    if user:
        parts.append(
            f'<span data-testid="signed-in">{esc(t["signed_in_as"])} <b>{esc(user.name)}</b></span>'
        )
        logout = login_href(None, here, logout=True)
        parts.append(f'<a href="{esc(logout)}">{esc(t["sign_out"])}</a>')
    others = [u for u in USERS.values() if not user or u.sub != user.sub]
    links = " ".join(
        f'<a href="{esc(login_href(u.sub, here))}" data-testid="sign-in-{esc(u.sub)}">'
        f"{esc(u.name)}</a>"
        for u in others
    )
    parts.append(f"<span>{esc(t['sign_in_as'])} {links}</span>")
    return "<header>" + "\n".join(parts) + "</header>"


def login_href(sub, here, logout=False) -> str:
    if logout:
        return "/logout?" + urllib.parse.urlencode({"next": here})
    return "/login?" + urllib.parse.urlencode({"as": sub, "next": here})


def page(title, lang, header, main, nonce, script="") -> str:
    script_tag = f'<script nonce="{esc(nonce)}">{script}</script>' if script else ""
    return (
        "<!doctype html>\n"
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>{header}\n<main>{main}</main>{script_tag}</body></html>\n"
    )


def index_main(lang, answered) -> str:
    t = TEXT[lang]
    items = []
    for q in QUESTIONS.values():
        mark = f' <span class="answered">{esc(t["answered"])}</span>' if q.id in answered else ""
        items.append(
            f'<li><a lang="en" href="/questions/{esc(q.id)}">{esc(q.title)}</a> '
            f'<small>{esc(t["asked_by"])} {esc(USERS[q.asker].name)}</small>{mark}</li>'
        )
    return f'<h1>{esc(t["questions"])}</h1><ul data-testid="questions">{"".join(items)}</ul>'


# The snippet from the contract, with an id to find it by. Tokens are single use: when the
# embed says its session ended, a reload signs a new one. Three ends within ten seconds mean
# the new tokens fail too (a wrong key, a clock far off); the page stops and says so instead
# of reloading for ever.
EMBED_SCRIPT = """
(() => {
  const parlor = %(origin)s;
  const frame = document.getElementById("parlor-chat");
  window.addEventListener("message", (event) => {
    if (event.origin !== parlor || event.source !== frame.contentWindow) return;
    if (!event.data || event.data.type !== "parlor:session-ended") return;
    const now = Date.now();
    const recent = JSON.parse(sessionStorage.getItem("parlor-reloads") || "[]")
      .filter((t) => now - t < 10000);
    if (recent.length >= 3) {
      document.getElementById("parlor-ended").hidden = false;
      return;
    }
    recent.push(now);
    sessionStorage.setItem("parlor-reloads", JSON.stringify(recent));
    location.reload();
  });
  // A page restored from the back-forward cache holds a spent token: load it afresh.
  window.addEventListener("pageshow", (event) => { if (event.persisted) location.reload(); });
})();
"""


def question_main(lang, question, user, answered, chat) -> str:
    """`chat`: the iframe's src, or None when Parlor could not be reached."""
    t = TEXT[lang]
    parts = [
        f'<p><a href="/">{esc(t["back"])}</a></p>',
        f'<article lang="en"><h1>{esc(question.title)}</h1>',
        f'<p><small>{esc(t["asked_by"])} {esc(USERS[question.asker].name)}</small></p>',
        f"<p>{esc(question.body)}</p></article>",
    ]
    if question.id in answered:
        parts.append(f'<p class="answered" data-testid="answered">{esc(t["answered"])}</p>')
    elif user and user.sub == question.asker:
        parts.append(
            f'<form method="post" action="/questions/{esc(question.id)}/answered">'
            f'<button data-testid="mark-answered">{esc(t["mark_answered"])}</button></form>'
        )
    if not user:
        links = " ".join(
            f'<a href="{esc(login_href(u.sub, f"/questions/{question.id}"))}">{esc(u.name)}</a>'
            for u in USERS.values()
        )
        parts.append(f'<p data-testid="sign-in-to-chat">{esc(t["sign_in_to_chat"])} {links}</p>')
    elif chat is None:
        parts.append(
            f'<p class="note" data-testid="chat-unavailable">{esc(t["chat_unavailable"])}</p>'
        )
    else:
        parts.append(
            '<iframe id="parlor-chat" data-testid="parlor-chat" class="parlor-chat" '
            'title="Chat about this question"\n'
            f'  src="{esc(chat)}"\n'
            '  style="width:100%;height:480px;border:0"></iframe>'
            f'<p class="note" id="parlor-ended" hidden>{esc(t["reload_loop"])}</p>'
        )
    return "\n".join(parts)


def simple_main(message, back="/") -> str:
    return f'<p class="note">{esc(message)}</p><p><a href="{esc(back)}">Back</a></p>'


# ---------------------------------------------------------------------------------------------
# Routes

QUESTION_PATH = re.compile(r"^/questions/([0-9]{1,9})$")
ANSWERED_PATH = re.compile(r"^/questions/([0-9]{1,9})/answered$")
MAX_FORM_BYTES = 16 * 1024


class Handler(BaseHTTPRequestHandler):
    """The routes; `settings`, `parlor` and `state` are set on a subclass by `make_handler`."""

    settings: Settings
    parlor: Parlor
    state: SiteState

    def version_string(self):
        return "qa-host"

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self):
        self.guard(self.route_get)

    def do_POST(self):
        self.guard(self.route_post)

    def route_get(self):
        path, query = self.split_target()
        if path == "/":
            return self.index()
        if path == "/login":
            return self.login(query)
        if path == "/logout":
            return self.logout(query)
        if m := QUESTION_PATH.match(path):
            return self.question(m.group(1))
        if path == "/debug/webhooks":
            return self.send_json(200, self.state.inbox.snapshot())
        if path == "/debug/fail-webhooks":
            return self.fail_webhooks(query)
        self.not_found()

    def route_post(self):
        path, _ = self.split_target()
        if path == "/parlor/webhooks":
            return self.webhook()
        if m := ANSWERED_PATH.match(path):
            return self.mark_answered(m.group(1))
        self.drain_body(MAX_FORM_BYTES)
        self.not_found()

    def index(self):
        """GET /: the questions, and the header with the unread badge."""
        user = self.current_user()
        lang = user.lang if user else "en"
        with self.state.lock:
            answered = set(self.state.answered)
        header = header_html(user, lang, "/", self.unread_badge(user))
        self.send_page(200, TEXT[lang]["site"], lang, header, index_main(lang, answered))

    def question(self, qid):
        """GET /questions/<id>: the question; signed in, its chat (room, members, a new token)."""
        question = QUESTIONS.get(qid)
        if question is None:
            return self.not_found()
        user = self.current_user()
        lang = user.lang if user else "en"
        chat = None
        if user:
            try:
                open_room(self.parlor, self.settings, question, [question.asker, user.sub])
                chat = embed_src(self.settings, question, user)
            except ParlorError as e:
                self.log_note = f"parlor: {e}"
        with self.state.lock:
            answered = set(self.state.answered)
        here = f"/questions/{qid}"
        header = header_html(user, lang, here, self.unread_badge(user))
        main = question_main(lang, question, user, answered, chat)
        script = EMBED_SCRIPT % {"origin": script_json(self.settings.parlor_origin)} if chat else ""
        self.send_page(200, question.title, lang, header, main, script)

    def mark_answered(self, qid):
        """POST /questions/<id>/answered: the asker's button; posts the notice once (the
        idempotency key makes a second click the same message)."""
        self.drain_body(MAX_FORM_BYTES)
        question = QUESTIONS.get(qid)
        if question is None:
            return self.not_found()
        user = self.current_user()
        if not self.same_origin() or not user or user.sub != question.asker:
            main = simple_main("Only the person who asked may mark the question answered.")
            return self.send_page(403, "Forbidden", "en", "", main)
        try:
            open_room(self.parlor, self.settings, question, [question.asker])
            self.parlor.notice(question.room_key, NOTICE_ANSWERED, f"answered:{question.room_key}")
        except ParlorError as e:
            self.log_note = f"parlor: {e}"
            main = simple_main(TEXT[user.lang]["chat_unavailable"], f"/questions/{qid}")
            return self.send_page(502, "Chat unavailable", user.lang, "", main)
        with self.state.lock:
            self.state.answered.add(qid)
        self.redirect(f"/questions/{qid}")

    def login(self, query):
        """GET /login?as=<user>&next=<path>: the host's own sign-in (a demo: no password)."""
        sub = query.get("as", [""])[0]
        if sub not in USERS:
            main = simple_main("Unknown user; pick one in the header.")
            return self.send_page(400, "Sign in", "en", header_html(None, "en", "/", None), main)
        cookie = f"qa_user={sub}; HttpOnly; SameSite=Lax; Path=/"
        self.redirect(local_path(query.get("next", ["/"])[0]), cookie)

    def logout(self, query):
        """GET /logout?next=<path>."""
        cookie = "qa_user=; Max-Age=0; HttpOnly; SameSite=Lax; Path=/"
        self.redirect(local_path(query.get("next", ["/"])[0]), cookie)

    def fail_webhooks(self, query):
        """GET /debug/fail-webhooks?n=3: the next n webhook requests answer 500 (tests of
        Parlor's retries)."""
        try:
            n = int(query.get("n", ["1"])[0])
            if not 0 <= n <= 10_000:
                raise ValueError
        except ValueError:
            return self.send_json(400, {"error": "n must be a number from 0 to 10000"})
        with self.state.inbox.lock:
            self.state.inbox.fail_next = n
        self.send_json(200, {"fail_next": n})

    def webhook(self):
        """POST /parlor/webhooks: Parlor's events, verified, each stored once."""
        inbox = self.state.inbox
        length = self.content_length()
        if length is None or length > MAX_WEBHOOK_BYTES:
            inbox.reject()
            self.close_connection = True  # the body is not read
            return self.send_json(413 if length else 411, {"error": "bad length"})
        body = self.rfile.read(length)
        msg_id = self.headers.get("webhook-id")
        if inbox.take_failure(msg_id):
            self.log_note = "failed on purpose"
            return self.send_json(500, {"error": "failing on purpose (/debug/fail-webhooks)"})
        reason = verify_webhook(self.settings.webhook_key, self.headers, body)
        if reason:
            inbox.reject()
            self.log_note = f"webhook: {reason}"
            return self.send_json(401, {"error": reason})
        try:
            event = json.loads(body)
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                raise ValueError
        except ValueError:
            inbox.reject()
            self.log_note = "webhook: not an event"
            return self.send_json(400, {"error": "not an event"})
        new = inbox.accept(msg_id, event)
        self.log_note = f"webhook: {event['type']}" + ("" if new else " (repeat)")
        self.send_json(200, {"ok": True})

    # -- helpers --------------------------------------------------------------------------------

    def setup(self):
        super().setup()
        self.log_note = ""
        self.nonce = secrets.token_urlsafe(16)

    def guard(self, route):
        """Runs a route; an exception answers 500 and one log line, not a traceback."""
        try:
            route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # the last resort for a bug: the site keeps serving
            self.log_note = f"error: {type(e).__name__}: {e}"
            try:
                self.send_json(500, {"error": "internal"})
            except OSError:
                pass

    def split_target(self):
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, urllib.parse.parse_qs(parts.query)

    def current_user(self):
        try:
            jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return None
        morsel = jar.get("qa_user")
        return USERS.get(morsel.value) if morsel else None

    def unread_badge(self, user):
        """(count, link) for the header when the user has unread messages; None otherwise,
        and when Parlor does not answer (the badge is a nicety, the page works without)."""
        if not user:
            return None
        try:
            count, rooms = self.parlor.unread(user.sub)
        except (ParlorError, ValueError, TypeError, AttributeError):
            return None
        if count <= 0:
            return None
        # The room with the most unread, when its link is one of this site's pages.
        link = None
        rooms = [r for r in rooms if isinstance(r, dict)]
        rooms.sort(key=lambda r: -int(r.get("unread", 0)))
        if rooms and str(rooms[0].get("link", "")).startswith(self.settings.public_url + "/"):
            link = rooms[0]["link"][len(self.settings.public_url):]
        return count, link

    def same_origin(self) -> bool:
        """A form post must come from this site's own pages (SameSite=Lax already keeps the
        cookie off other sites' posts; this covers browsers that send no SameSite)."""
        origin = self.headers.get("Origin")
        own = (f"http://{self.headers.get('Host', '')}", self.settings.public_url)
        return origin is None or origin in own

    def content_length(self):
        try:
            n = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return None
        return n if n >= 0 else None

    def drain_body(self, limit):
        """Reads a body we do not use: closing a socket with unread bytes resets it, and the
        client could see the reset instead of our answer."""
        n = self.content_length() or 0
        if n > limit:
            self.close_connection = True
        elif n:
            self.rfile.read(n)

    def send_page(self, status, title, lang, header, main, script=""):
        text = page(title, lang, header, main, self.nonce, script)
        csp = (
            "default-src 'none'; "
            f"script-src 'nonce-{self.nonce}'; style-src 'unsafe-inline'; "
            f"frame-src {self.settings.parlor_origin}; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        )
        # no-store: a question page holds a single-use token, which a cached copy would replay.
        self.send_body(status, text.encode("utf-8"), "text/html; charset=utf-8", [
            ("Content-Security-Policy", csp),
            ("Cache-Control", "no-store"),
        ])

    def send_json(self, status, value):
        body = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
        self.send_body(status, body, "application/json", [("Cache-Control", "no-store")])

    def send_body(self, status, body, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, cookie=None):
        self.send_response(303)
        self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def not_found(self):
        self.send_page(404, "Not found", "en", "", simple_main("No such page."))

    # -- logs: one line per request; never a query string (it may hold anything a link
    # carried) nor a fragment ------------------------------------------------------------------

    def log_request(self, code="-", size="-"):
        path = urllib.parse.urlsplit(getattr(self, "path", "") or "").path or "-"
        path = "".join(c if c.isprintable() else "?" for c in path)[:200]
        note = f" ({self.log_note})" if getattr(self, "log_note", "") else ""
        method = self.command or "-"
        when, client = self.log_date_time_string(), self.client_address[0]
        sys.stderr.write(f"{when} {client} {method} {path} {code}{note}\n")

    def log_error(self, format, *args):
        # http.server's own error lines quote the raw request line, query included; the
        # status line from log_request is enough.
        pass


def local_path(target) -> str:
    """`target` when it is a path on this site, else "/": no open redirect to another site
    ("//evil.example" and "/\\evil.example" are other sites to a browser), and no header
    injected through the Location line."""
    plain = all("!" <= c <= "~" for c in target)  # no CR/LF: it goes in a Location header
    if plain and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def make_handler(settings, parlor, state):
    return type("QaHandler", (Handler,), {"settings": settings, "parlor": parlor, "state": state})


# ---------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description="The Q&A example host for Parlor.")
    parser.add_argument(
        "--print-token", metavar="SUB", help="print a fresh sign-in token for SUB and exit"
    )
    args = parser.parse_args(argv)
    settings = Settings.load()

    if args.print_token is not None:
        sub = args.print_token
        if not 1 <= len(sub) <= 64:
            sys.exit("qa_host: a user id has 1 to 64 characters")
        user = USERS.get(sub)
        name, locale = (user.name, user.lang) if user else (None, None)
        print(sign_token(settings, sub, name=name, locale=locale))
        return

    host, _, port = settings.listen.rpartition(":")
    handler = make_handler(settings, Parlor(settings), SiteState())
    server = ThreadingHTTPServer((host, int(port)), handler)
    server.daemon_threads = True
    sys.stderr.write(f"qa_host: serving {settings.public_url} (Parlor at {settings.parlor_url})\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
