//! Lingering close: a request body that the application drops before its end (a 413 on its
//! `Content-Length`, a rejection before the body is read, a handler that ignores it) is read
//! to the end and discarded, within bounds, as nginx does.
//!
//! Without it, hyper reads what has already arrived, then closes the connection after the
//! answer; the kernel resets a connection closed with unread data, and a client that writes its
//! whole body before reading (Python's urllib, a browser form) gets a broken pipe or a reset
//! instead of the 413. Reading the rest lets its upload finish and the answer reach it; past
//! [`Linger`]'s bounds the connection is closed as before.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;

/// How much of a dropped body is read before giving up: bytes, total time, and time without
/// any data (nginx's `lingering_time` and `lingering_timeout` defaults).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Linger {
    pub(crate) bytes: u64,
    pub(crate) time: Duration,
    pub(crate) idle: Duration,
}

impl Linger {
    /// Four times the body limit (at least 1 MiB), 30 s in all, 5 s between reads.
    pub(crate) fn for_limit(max_body_bytes: usize) -> Self {
        let limit = u64::try_from(max_body_bytes).unwrap_or(u64::MAX);
        Self {
            bytes: limit.saturating_mul(4).max(1 << 20),
            time: Duration::from_secs(30),
            idle: Duration::from_secs(5),
        }
    }
}

/// A request body that, dropped before its end, is drained by a task of its own.
///
/// It lives in the box axum's `Body::new` makes anyway, so the normal path costs no
/// allocation; only an abandoned body spawns a task.
pub(crate) struct LingeringBody {
    /// Taken by `drop` to be drained.
    inner: Option<Incoming>,
    /// `None` when the body must not be drained (HTTP/2, `Expect: 100-continue`), or once it
    /// has ended.
    linger: Option<Linger>,
}

impl LingeringBody {
    pub(crate) fn new(inner: Incoming, linger: Option<Linger>) -> Self {
        Self {
            inner: Some(inner),
            linger,
        }
    }
}

impl Body for LingeringBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            // Read to its end, or the client is gone: nothing to drain.
            this.linger = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for LingeringBody {
    fn drop(&mut self) {
        let (Some(linger), Some(body)) = (self.linger.take(), self.inner.take()) else {
            return;
        };
        if body.is_end_stream() || body.size_hint().lower() > linger.bytes {
            // Nothing left, or more announced than is worth reading: hyper closes.
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(body, linger));
        }
    }
}

/// Reads and discards `body` within `linger`'s bounds; dropping it then lets hyper finish the
/// connection (kept alive when the body was read to its end).
async fn drain(mut body: Incoming, linger: Linger) {
    let read = async {
        let mut read = 0u64;
        loop {
            match tokio::time::timeout(linger.idle, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    let len = frame.data_ref().map_or(0, Bytes::len);
                    read = read.saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
                    if read > linger.bytes {
                        tracing::debug!(read, "lingering close: body past the bound, closing");
                        return;
                    }
                }
                Ok(None | Some(Err(_))) => return,
                Err(_idle) => {
                    tracing::debug!(read, "lingering close: client idle, closing");
                    return;
                }
            }
        }
    };
    if tokio::time::timeout(linger.time, read).await.is_err() {
        tracing::debug!("lingering close: out of time, closing");
    }
}
