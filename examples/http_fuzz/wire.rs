//! The raw HTTP/1.1 client: one exchange at a time on a keep-alive connection, reading the
//! answer while the request is still being written, so that an early refusal is seen.

use std::fmt::Write as _;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::requests::*;
use super::*;

/// Why an exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ServerError,
    Dropped,
    Hang,
    /// A response that cannot be parsed or framed, or a connection that cannot be opened.
    Other,
}

impl Kind {
    /// Its row in the final table.
    pub fn row(self) -> &'static str {
        match self {
            Kind::ServerError => "5xx",
            Kind::Dropped => "dropped connections",
            Kind::Hang => "hangs",
            Kind::Other => "other failures",
        }
    }
}

/// A failed exchange: what went wrong, in words.
pub struct Failure {
    pub kind: Kind,
    pub detail: String,
}

/// A failure of kind `kind`.
pub fn fail(kind: Kind, detail: impl Into<String>) -> Failure {
    Failure {
        kind,
        detail: detail.into(),
    }
}

/// A parsed response.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// It carried `Connection: close`.
    pub close: bool,
}

impl Response {
    /// The first header called `name`, in any case.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Status, headers and the start of the body, for a failure report.
    pub fn summary(&self) -> String {
        let mut text = format!("HTTP/1.1 {}\n", self.status);
        for (k, v) in &self.headers {
            let _ = writeln!(text, "{k}: {}", preview(v.as_bytes(), 300));
        }
        text + &preview(&self.body, 2000)
    }
}

/// Reads more bytes into `buf`; false at end of file.
pub async fn fill<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut Vec<u8>) -> Result<bool, Failure> {
    buf.reserve(64 * 1024);
    match timeout(IO_TIMEOUT, rd.read_buf(buf)).await {
        Err(_) => Err(fail(Kind::Hang, "nothing read for 10 s")),
        Ok(Err(e)) => Err(fail(Kind::Dropped, format!("read failed: {e}"))),
        Ok(Ok(n)) => Ok(n > 0),
    }
}

/// Makes `buf` hold at least `n` bytes.
pub async fn want<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut Vec<u8>,
    n: usize,
) -> Result<(), Failure> {
    while buf.len() < n {
        if !fill(rd, buf).await? {
            return Err(fail(
                Kind::Dropped,
                format!("end of file in the body: {} of {n} bytes", buf.len()),
            ));
        }
    }
    Ok(())
}

/// The first `n` bytes of `buf`, removed from it.
pub fn take(buf: &mut Vec<u8>, n: usize) -> Vec<u8> {
    let rest = buf.split_off(n);
    std::mem::replace(buf, rest)
}

/// One CRLF-terminated line of a chunked body, without the CRLF.
pub async fn line<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut Vec<u8>) -> Result<Vec<u8>, Failure> {
    loop {
        if let Some(at) = buf.windows(2).position(|w| w == b"\r\n") {
            let mut line = take(buf, at + 2);
            line.truncate(at);
            return Ok(line);
        }
        if buf.len() > 8192 {
            return Err(fail(Kind::Other, "chunk size line over 8 KiB"));
        }
        if !fill(rd, buf).await? {
            return Err(fail(Kind::Dropped, "end of file in a chunked body"));
        }
    }
}

/// A chunked body, decoded; trailers are read and ignored.
pub async fn chunked<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        let size_line = line(rd, buf).await?;
        let size_text = String::from_utf8_lossy(&size_line);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|e| fail(Kind::Other, format!("chunk size {size_text:?}: {e}")))?;
        if size == 0 {
            while !line(rd, buf).await?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > 64 << 20 {
            return Err(fail(Kind::Other, "chunked response over 64 MiB"));
        }
        want(rd, buf, size + 2).await?;
        let chunk = take(buf, size + 2);
        if !chunk.ends_with(b"\r\n") {
            return Err(fail(Kind::Other, "chunk not followed by CRLF"));
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// Reads one response (skipping 1xx ones) and its body.
pub async fn read_response<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Response, Failure> {
    let (status, headers) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(n)) => {
                let status = parsed.code.unwrap_or_default();
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                take(buf, n);
                if !(100..200).contains(&status) || status == 101 {
                    break (status, headers);
                }
            }
            Ok(httparse::Status::Partial) => {
                if !fill(rd, buf).await? {
                    let detail = if buf.is_empty() {
                        "closed without a response"
                    } else {
                        "closed in the middle of the response head"
                    };
                    return Err(fail(Kind::Dropped, detail));
                }
            }
            Err(e) => {
                return Err(fail(
                    Kind::Other,
                    format!("unparsable response head: {e}: {}", preview(buf, 300)),
                ))
            }
        }
    };
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
        close: false,
    };
    response.close = response
        .header("connection")
        .is_some_and(|v| v.to_ascii_lowercase().contains("close"));
    if response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        response.body = chunked(rd, buf).await?;
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|e| fail(Kind::Other, format!("Content-Length {length:?}: {e}")))?;
        want(rd, buf, length).await?;
        response.body = take(buf, length);
    } else if status == 101 {
        return Err(fail(Kind::Other, "101 Switching Protocols to a POST"));
    } else if !matches!(status, 204 | 304) {
        if !response.close {
            return Err(fail(
                Kind::Other,
                format!("{status} with neither a length nor Connection: close"),
            ));
        }
        while fill(rd, buf).await? {}
        response.body = std::mem::take(buf);
    }
    Ok(response)
}

/// Writes `writes`, each after its pause; the error says why not.
pub async fn send<W: AsyncWrite + Unpin>(
    wr: &mut W,
    writes: &[(Duration, Vec<u8>)],
) -> Result<(), String> {
    for (pause, bytes) in writes {
        tokio::time::sleep(*pause).await;
        match timeout(IO_TIMEOUT, wr.write_all(bytes)).await {
            Err(_) => return Err("write blocked for 10 s".into()),
            Ok(Err(e)) => return Err(e.to_string()),
            Ok(Ok(())) => {}
        }
    }
    Ok(())
}

/// Sends `req` and reads the answer at the same time, so that an answer given before the body
/// is all there (403, 413) is seen; the rest of the body is then sent unless the answer
/// announced `Connection: close`.
pub async fn exchange(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    req: &Request,
) -> Result<Response, Failure> {
    let response = {
        let (mut rd, mut wr) = stream.split();
        let write = send(&mut wr, &req.writes);
        let read = read_response(&mut rd, &mut *buf);
        tokio::pin!(write, read);
        let mut sent = None;
        let answer = loop {
            tokio::select! {
                biased;
                result = &mut write, if sent.is_none() => sent = Some(result),
                result = &mut read => break result,
            }
        };
        match (answer, sent) {
            (Err(mut f), Some(Err(e))) => {
                let _ = write!(f.detail, " (writing the request had failed: {e})");
                return Err(f);
            }
            (Err(mut f), None) => {
                // Whether the rest could still be written tells a server that stopped
                // reading from one that closed.
                match timeout(Duration::from_secs(1), &mut write).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        let _ = write!(f.detail, " (writing the request failed too: {e})");
                    }
                    Err(_) => f.detail.push_str(" (the request was still being written)"),
                }
                return Err(f);
            }
            (Err(f), Some(Ok(()))) => return Err(f),
            (Ok(r), _) if r.close => return Ok(r),
            (Ok(r), Some(Ok(()))) => r,
            (Ok(r), Some(Err(e))) => {
                let detail = format!(
                    "{} without Connection: close, but the request could not be written: {e}",
                    r.status
                );
                return Err(fail(Kind::Dropped, detail));
            }
            (Ok(r), None) => match write.await {
                Ok(()) => r,
                Err(e) => {
                    let detail = format!("{} before the whole body, without Connection: close, then the rest could not be written: {e}", r.status);
                    return Err(fail(Kind::Dropped, detail));
                }
            },
        }
    };
    if !buf.is_empty() {
        return Err(fail(
            Kind::Other,
            format!("bytes after the response: {}", preview(buf, 300)),
        ));
    }
    Ok(response)
}

/// One keep-alive connection and what it last did.
pub struct Conn {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
    /// The previous request and response, for a report of a drop on the next one.
    pub previous: Option<String>,
}

/// A new connection to `addr`.
pub async fn connect(addr: &str) -> Result<Conn, Failure> {
    match timeout(IO_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(Conn {
            stream,
            buf: Vec::new(),
            previous: None,
        }),
        Ok(Err(e)) => Err(fail(Kind::Other, format!("cannot connect: {e}"))),
        Err(_) => Err(fail(Kind::Hang, "connect took over 10 s")),
    }
}
