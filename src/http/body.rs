//! The time a request body may take to arrive.
use actix_web::{
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    http::header,
    HttpMessage, HttpResponse,
};
use futures_util::StreamExt;

use super::layer::Around;

use crate::error::BODY_READ_TIMEOUT;

/// Bounds the time a request body may take to arrive ([`BODY_READ_TIMEOUT`]): a client that
/// dribbles its body can no longer hold a connection and a worker for as long as it likes.
/// A layer: `Layer(ReadDeadline)`.
#[derive(Debug, Clone, Copy)]
pub struct ReadDeadline;

impl Around for ReadDeadline {
    type Carry = ();

    fn before(&self, req: &mut ServiceRequest) -> Result<(), Box<HttpResponse>> {
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_none_or(|len| len.as_bytes() != b"0")
            && (req.headers().contains_key(header::CONTENT_LENGTH)
                || req.headers().contains_key(header::TRANSFER_ENCODING));
        if has_body {
            let payload = req.take_payload();
            let deadline = tokio::time::Instant::now() + BODY_READ_TIMEOUT;
            let bounded = futures_util::stream::unfold(Some(payload), move |payload| async move {
                let mut payload = payload?;
                match tokio::time::timeout_at(deadline, payload.next()).await {
                    Ok(Some(chunk)) => Some((chunk, Some(payload))),
                    Ok(None) => None,
                    Err(_) => Some((
                        Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the request body did not arrive in time",
                        ))),
                        None,
                    )),
                }
            });
            req.set_payload(Payload::from(
                Box::pin(bounded) as actix_http::BoxedPayloadStream
            ));
        }
        Ok(())
    }

    fn after<B>(&self, (): (), _: &mut ServiceResponse<B>) {}
}
