//! Accepting connections: HTTP/1.1 over hyper with the limits a public service needs, and hyper's own
//! error answers brought into the one JSON error shape.
//!
//! - **Connection cap** (`--max-connections`): past it, no connection is accepted until one closes
//!   (the kernel's backlog holds the rest), so slow or idle clients cannot exhaust file descriptors.
//! - **Header-read timeout** (`--header-timeout`): a request's head must arrive within it; the same
//!   clock runs while a kept-alive connection waits for its next request, so it is also the idle
//!   timeout. The body-read timeout is applied where bodies are read (`request::read_body`).
//! - **Automatic answers**: hyper answers a request it cannot parse itself — 400 (bad bytes in the
//!   request line or a header), 414 (URI over 64 KiB), 431 (more than `MAX_HEADERS` headers or a
//!   head too large) — with an empty body, before any handler runs. [`JsonErrorIo`] recognises
//!   those heads on the way out and gives them the JSON body every other error has.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// Most header fields a request may carry (hyper's default is 100); more is a 431.
pub const MAX_HEADERS: usize = 100;

/// The connection-level limits of a server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time for a request's head to arrive (and for an idle kept-alive connection to send one).
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // e.g. out of file descriptors: wait instead of spinning
                    tracing::warn!("accept error: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_headers(MAX_HEADERS);
            let connection =
                builder.serve_connection(TokioIo::new(JsonErrorIo::new(stream)), service);
            tokio::pin!(connection);
            let stop = async move {
                // the guard `wait_for` returns is not Send: dropped here, not held across awaits
                let _ = stopped.wait_for(|stop| *stop).await.map(|_| ());
            };
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    let _ = stop.send(true);
    // every connection gives its permit back when it ends
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// The code and message of an answer hyper writes by itself, by status line.
fn automatic_answer(head: &[u8]) -> Option<(&'static str, &'static str)> {
    const ANSWERS: [(&[u8], &str, &str); 3] = [
        (
            b"HTTP/1.1 400 Bad Request\r\n",
            "bad-request",
            "the request is not valid HTTP/1.1 (a malformed request line, or a header name or value with bytes HTTP does not allow)",
        ),
        (
            b"HTTP/1.1 414 URI Too Long\r\n",
            "uri-too-long",
            "the request URI is longer than 65534 bytes; send long queries in a POST body",
        ),
        (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            "headers-too-large",
            "the request carries too many header fields (at most 100) or its head is too large",
        ),
    ];
    ANSWERS
        .iter()
        .find(|(line, _, _)| head.starts_with(line))
        .map(|(_, code, message)| (*code, *message))
}

/// The head `buf` with a JSON error body, when `buf` is a whole response head hyper wrote by itself
/// (one of its automatic statuses with `content-length: 0`: the application never answers an error
/// without a body).
fn with_json_body(buf: &[u8]) -> Option<Vec<u8>> {
    let (code, message) = automatic_answer(buf)?;
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    if end != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let marker = "\r\ncontent-length: 0\r\n";
    let at = head.to_ascii_lowercase().find(marker)?;
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut out = String::with_capacity(buf.len() + body.len() + 64);
    out.push_str(&head[..at]);
    out.push_str(&format!(
        "\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    ));
    out.push_str(&head[at + marker.len()..]);
    out.push_str(&body);
    Some(out.into_bytes())
}

/// A connection whose writes pass through unchanged, except hyper's automatic error heads, which
/// get a JSON body (see the module documentation).
pub struct JsonErrorIo<S> {
    inner: S,
    /// A rewritten head being written: its bytes, how many are written, and the length hyper gave.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<S> JsonErrorIo<S> {
    /// Wraps a connection.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrorIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrorIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            if let Some(rewritten) = with_json_body(buf) {
                this.pending = Some((rewritten, 0, buf.len()));
            }
        }
        let Some((bytes, written, reported)) = &mut this.pending else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        while *written < bytes.len() {
            match Pin::new(&mut this.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let reported = *reported;
        this.pending = None;
        Poll::Ready(Ok(reported))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_error_heads_get_a_json_body() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(with_json_body(head).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        assert!(head.contains("date: "), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"], "headers-too-large");
    }

    #[test]
    fn application_answers_pass_unchanged() {
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n";
        assert!(with_json_body(with_body).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(with_json_body(ok).is_none());
    }
}
