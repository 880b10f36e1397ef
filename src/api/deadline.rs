//! A deadline for request bodies: a body that stalls past it ends in an
//! error that the extractors answer 408, so a slow sender cannot hold a
//! worker and a connection open forever.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::web::Bytes;
use futures_util::Stream;

/// The deadline, as application data.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// Whether a payload error is the deadline's.
pub fn timed_out(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// A payload that fails with a timeout once the deadline has passed.
struct Timed {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    done: bool,
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.done = true;
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the body did not arrive in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The middleware: puts the deadline on every request's body.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<BodyDeadline>()
        .map_or(Duration::from_secs(30), |d| d.0);
    let inner = req.take_payload();
    let timed = Timed {
        inner,
        deadline: Box::pin(sleep_until(Instant::now() + limit)),
        done: false,
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
    next.call(req).await
}
