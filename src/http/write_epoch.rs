//! The write epoch's middleware: after a request that may have written, the instance's
//! [`WriteEpoch`] moves on, so the read caches (`services::read_cache`, the pages, the event JSON)
//! stop using what they read before it.
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, HttpMessage, HttpRequest,
};

use crate::services::read_cache::WriteEpoch;
use crate::state::AppState;

/// Marks a request whose writes leave every row these copies hold as it was but for the seat
/// counts (a registration): [`local_writes`] bumps only the counts' epoch for it, so a stream of
/// registrations does not make the feeds re-read their event each time, while the answers that
/// show the counts do.
pub fn keep_reads(req: &HttpRequest) {
    req.extensions_mut().insert(KeepReads);
}

#[derive(Clone, Copy)]
struct KeepReads;

/// Middleware: bumps the [`WriteEpoch`] after every request that may have written; only the
/// counts' epoch when its handler said [`keep_reads`].
pub async fn local_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let epoch = (!reads)
        .then(|| {
            req.app_data::<web::Data<AppState>>()
                .map(|state| state.write_epoch.clone())
        })
        .flatten();
    let mut bump = BumpOnDrop {
        epoch,
        seats_only: false,
    };
    let response = next.call(req).await;
    if let Ok(res) = &response {
        if res.request().extensions().contains::<KeepReads>() {
            bump.seats_only = true;
        }
    }
    response
}

/// Bumps the epoch when dropped: after the handler ran, or when it was cancelled mid-way (a
/// client that hung up), since a transaction may have committed by then. `seats_only` after
/// a handler that said [`keep_reads`].
struct BumpOnDrop {
    epoch: Option<WriteEpoch>,
    seats_only: bool,
}

impl Drop for BumpOnDrop {
    fn drop(&mut self) {
        match &self.epoch {
            Some(epoch) if self.seats_only => epoch.bump_seats(),
            Some(epoch) => epoch.bump(),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_grows_with_each_bump_and_on_drop_of_the_guard() {
        let epoch = WriteEpoch::default();
        assert_eq!((epoch.current(), epoch.seats()), (0, 0));
        epoch.bump();
        drop(BumpOnDrop {
            epoch: Some(epoch.clone()),
            seats_only: false,
        });
        drop(BumpOnDrop {
            epoch: None,
            seats_only: false,
        });
        assert_eq!((epoch.current(), epoch.seats()), (2, 2));
        // After a registration only the counts' epoch moves.
        drop(BumpOnDrop {
            epoch: Some(epoch.clone()),
            seats_only: true,
        });
        epoch.bump_seats();
        assert_eq!((epoch.current(), epoch.seats()), (2, 4));
    }
}
