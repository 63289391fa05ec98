//! The requests: a seeded generator of valid, invalid and hostile calls of every server
//! function, each framed whole, late or chunked.

use std::fmt::Write as _;
use std::time::Duration;

/// The server functions and the fields each one takes.
pub const ENDPOINTS: &[(&str, &[&str])] = &[
    ("sign_up", &["username", "display_name", "password"]),
    ("sign_in", &["username", "password"]),
    ("sign_out", &[]),
    ("current_user", &[]),
    ("list_rooms", &[]),
    ("create_room", &["name", "public"]),
    ("open_direct", &["username"]),
    ("join_room", &["room_id"]),
    ("invite", &["room_id", "username"]),
    ("load_room", &["room_id"]),
    ("older_messages", &["room_id", "before_seq"]),
    ("search_messages", &["query", "page"]),
    ("embed_open", &["token", "key"]),
    ("my_role", &["room_id"]),
    ("moderation_log", &["room_id"]),
    ("room_members", &["room_id"]),
    ("reports", &["room_id"]),
    ("report_message", &["room_id", "seq", "reason"]),
];

/// Every field name any server function reads (`|`-separated), to send to the wrong function.
pub const FIELDS: &str =
    "username|display_name|password|name|public|room_id|before_seq|query|page|seq|reason";

/// Numbers in and out of range and in other notations, separated by `|`.
pub const NUMBERS: &str = "-1|0|9223372036854775807|9223372036854775808|-9223372036854775809|\
    99999999999999999999999999|1e3|0x10| 7|1.5|-0";
/// Korean, emoji, bidirectional overrides, a byte order mark, NUL, the last code point.
pub const UNICODE: &str = "안녕하세요|😀🎉👍|\u{202E}evil\u{202C}|\u{FEFF}x|a\0b|\u{10FFFF}";
/// Operators of the search engines' query languages, separated by `|`.
pub const SEARCH_SYNTAX: &str =
    "\"|\"deploy|deploy*|*|NEAR(a b, 2)|a AND|OR NOT|(x|)|x:*|'|a & b|!x|^x|{x}|서울에서 (만나";
/// Wrong content types; the right one and none are chosen elsewhere.
pub const CONTENT_TYPES: &str = "garbage|;;;=|application/x-www-form-urlencoded; charset=ebcdic|\
    APPLICATION/X-WWW-FORM-URLENCODED|a/b; c=\"d|application/json|text/plain|multipart/form-data";

/// SplitMix64: tiny, and the same sequence for the same seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the sequence.
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `p` times in a hundred.
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// One of `items`, which must not be empty.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What the fuzzer knows about the server it talks to.
pub struct Target {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `parlor_session=…` of the account signed up at the start.
    pub cookie: String,
    /// The room that account created.
    pub room: i64,
}

/// One request, built in full before it is sent so that a failure can print it.
pub struct Request {
    /// The writes that make it up, each after its pause: the head, then the body (in pieces
    /// when it arrives late, already chunk-encoded when chunked).
    pub writes: Vec<(Duration, Vec<u8>)>,
    /// What a failure report shows of it.
    pub summary: String,
}

/// How a body goes on the wire.
#[derive(Clone, Copy, Debug)]
pub enum Framing {
    /// `Content-Length`, head and body in one write.
    Whole,
    /// `Content-Length`, the body in pieces 1–50 ms after the head and after each other.
    Late,
    /// `Transfer-Encoding: chunked`, one chunk per piece.
    Chunked,
}

impl Request {
    /// Frames `body` under `headers` (each without its CRLF; Host and framing are added).
    pub fn new(
        rng: &mut Rng,
        t: &Target,
        name: &str,
        headers: &[String],
        body: &[u8],
        framing: Framing,
    ) -> Request {
        let mut head = format!("POST /api/{name} HTTP/1.1\r\nHost: {}\r\n", t.addr);
        for h in headers {
            let _ = write!(head, "{h}\r\n");
        }
        let mut writes = Vec::new();
        match framing {
            Framing::Whole => {
                let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
                writes.push((Duration::ZERO, [head.as_bytes(), body].concat()));
            }
            Framing::Late => {
                let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
                writes.push((Duration::ZERO, head.clone().into_bytes()));
                for piece in split(rng, body) {
                    writes.push((Duration::from_millis(rng.range(1, 50) as u64), piece));
                }
            }
            Framing::Chunked => {
                head.push_str("Transfer-Encoding: chunked\r\n\r\n");
                writes.push((Duration::ZERO, head.clone().into_bytes()));
                // An empty chunk would end the body early: `split` yields none.
                for piece in split(rng, body) {
                    let chunk = [
                        format!("{:x}\r\n", piece.len()).as_bytes(),
                        &piece[..],
                        &b"\r\n"[..],
                    ]
                    .concat();
                    writes.push((Duration::from_millis(rng.range(0, 10) as u64), chunk));
                }
                writes.push((Duration::ZERO, b"0\r\n\r\n".to_vec()));
            }
        }
        let mut summary: String = head
            .lines()
            .map(|l| preview(l.as_bytes(), 300) + "\n")
            .collect();
        let _ = write!(
            summary,
            "[{framing:?}, {} writes] {}",
            writes.len(),
            preview(body, 500)
        );
        Request { writes, summary }
    }
}

/// One of the `|`-separated words of `words`.
pub fn pick_word<'a>(rng: &mut Rng, words: &'a str) -> &'a str {
    let words: Vec<&str> = words.split('|').collect();
    words[rng.below(words.len())]
}

/// `bytes` cut at 1–4 random places, without empty pieces.
pub fn split(rng: &mut Rng, bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = (0..rng.range(1, 4))
        .map(|_| rng.range(0, bytes.len()))
        .collect();
    cuts.extend([0, bytes.len()]);
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect()
}

/// At most `max` bytes of `bytes`, escaped to printable ASCII.
pub fn preview(bytes: &[u8], max: usize) -> String {
    let mut text = bytes[..bytes.len().min(max)].escape_ascii().to_string();
    if bytes.len() > max {
        let _ = write!(text, "… ({} bytes)", bytes.len());
    }
    text
}

/// Form encoding of `bytes` (`application/x-www-form-urlencoded`).
pub fn form_encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b),
            b' ' => out.push(b'+'),
            _ => out.extend(format!("%{b:02X}").bytes()),
        }
    }
    out
}

/// A random field value, already in the body's encoding (or deliberately not).
pub fn value(rng: &mut Rng, t: &Target) -> Vec<u8> {
    if rng.percent(1) {
        return b"a".repeat(rng.range(1024, 3 << 20));
    }
    let text: String = match rng.below(12) {
        0 => String::new(),
        1 => "fuzzer".into(),
        2 => format!("user{}", rng.below(1000)),
        3 => t.room.to_string(),
        4 => (rng.next_u64() as i64).to_string(),
        5 => pick_word(rng, NUMBERS).into(),
        6 => pick_word(rng, "true|false|on|yes|off|TRUE|1").into(),
        7 => pick_word(rng, UNICODE).into(),
        8 => "correct horse battery".into(),
        9 => (0..rng.range(1, 40))
            .map(|_| char::from(rng.range(0x20, 0x7E) as u8))
            .collect(),
        // Search syntax of FTS5 and tsquery, which must stay plain text.
        10 => pick_word(rng, SEARCH_SYNTAX).into(),
        _ => "x".repeat(rng.range(30, 300)),
    };
    let mut out = if rng.percent(80) {
        form_encode(text.as_bytes())
    } else {
        text.into_bytes()
    };
    if rng.percent(10) {
        let junk = pick_word(rng, "%zz|%|%4|%00|%C3%28|%FF%FE|+|%ED%A0%80");
        let at = rng.range(0, out.len());
        out.splice(at..at, junk.bytes());
    }
    out
}

/// A form for a function taking `fields`: some missing, repeated, foreign or unknown.
pub fn form(rng: &mut Rng, fields: &[&'static str], t: &Target) -> Vec<u8> {
    let mut names: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|_| !rng.percent(10))
        .collect();
    if rng.percent(15) {
        names.push(pick_word(rng, FIELDS));
    }
    if rng.percent(10) {
        names.push(pick_word(rng, "unknown|room_id[]||USERNAME|name\0"));
    }
    if rng.percent(10) && !names.is_empty() {
        let again = *rng.pick(&names);
        names.push(again);
    }
    if rng.percent(20) && names.len() > 1 {
        let (a, b) = (rng.below(names.len()), rng.below(names.len()));
        names.swap(a, b);
    }
    let pairs: Vec<Vec<u8>> = names
        .iter()
        .map(|n| [form_encode(n.as_bytes()), b"=".to_vec(), value(rng, t)].concat())
        .collect();
    pairs.join(&b'&')
}

/// A random body for a function taking `fields`.
pub fn body(rng: &mut Rng, fields: &[&'static str], t: &Target) -> Vec<u8> {
    match rng.below(20) {
        0 => Vec::new(),
        1 => (0..rng.range(1, 2000))
            .map(|_| rng.next_u64() as u8)
            .collect(),
        2 => b"username=\xff\xfe&password=\xc3\x28&room_id=\x80&name=\xed\xa0\x80".to_vec(),
        3 | 4 => {
            let mut object = serde_json::Map::new();
            for name in fields.iter().copied().chain([pick_word(rng, FIELDS)]) {
                let v = match rng.below(5) {
                    0 => serde_json::json!(rng.next_u64()),
                    1 => serde_json::json!(null),
                    2 => serde_json::json!([t.room, {"a": true}]),
                    _ => serde_json::json!(String::from_utf8_lossy(&value(rng, t))),
                };
                object.insert(name.into(), v);
            }
            serde_json::Value::Object(object).to_string().into_bytes()
        }
        5 => pick_word(rng, "=|&&&|=&=|room_id|room_id=1=2|%zz=1|&room_id=1&|;a=1").into(),
        _ => form(rng, fields, t),
    }
}

/// A random request to a random (now and then nonexistent) server function.
pub fn fuzz_request(rng: &mut Rng, t: &Target) -> Request {
    let &(real, fields) = rng.pick(ENDPOINTS);
    let name = if rng.percent(90) {
        real.to_string()
    } else {
        match rng.below(8) {
            0 => "no_such_function".into(),
            1 => String::new(),
            2 => "x".repeat(rng.range(1_000, 100_000)),
            3 => format!("{real}%00"),
            4 => format!("../{real}"),
            5 => "%2e%2e/%2e%2e/etc/passwd".into(),
            6 => "방_만들기".into(),
            _ => "%EB%B0%A9%F0%9F%98%80".into(),
        }
    };
    let mut body = body(rng, fields, t);
    let mut headers = Vec::new();
    let content_type = match rng.below(20) {
        0..=14 => "application/x-www-form-urlencoded",
        15 => "",
        _ => pick_word(rng, CONTENT_TYPES),
    };
    if !content_type.is_empty() {
        headers.push(format!("Content-Type: {content_type}"));
    }
    match rng.below(20) {
        0..=14 => headers.push("Accept: application/json".into()),
        15..=17 => headers.push("Accept: text/html".into()),
        _ => {}
    }
    if rng.percent(15) {
        let own = format!("http://{}", t.addr);
        headers.push(format!(
            "Origin: {}",
            rng.pick(&[own.as_str(), "https://evil.example", "null"])
        ));
    }
    // The real session is never signed out, so that half the requests stay authenticated.
    if real != "sign_out" && rng.percent(50) {
        headers.push(format!("Cookie: {}", t.cookie));
    } else if rng.percent(10) {
        headers.push("Cookie: parlor_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    }
    if rng.percent(3) {
        body.extend(b"&pad=");
        body.extend(b"p".repeat(rng.range(1 << 20, 3 << 20)));
    }
    let framing = match rng.below(20) {
        0..=13 => Framing::Whole,
        14..=16 => Framing::Late,
        _ => Framing::Chunked,
    };
    Request::new(rng, t, &name, &headers, &body, framing)
}
