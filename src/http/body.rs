//! The time a request body may take to arrive.
use actix_web::{
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    http::header,
    middleware::Next,
    HttpMessage,
};
use futures_util::StreamExt;

use crate::error::BODY_READ_TIMEOUT;

/// Bounds the time a request body may take to arrive ([`BODY_READ_TIMEOUT`]): a client that
/// dribbles its body can no longer hold a connection and a worker for as long as it likes.
pub async fn read_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
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
        })
        // Ends for good: a reader that asks again after the end (actix-multipart does) gets
        // `None` again, where a bare `unfold` panics.
        .fuse();
        req.set_payload(Payload::from(
            Box::pin(bounded) as actix_http::BoxedPayloadStream
        ));
    }
    next.call(req).await
}
