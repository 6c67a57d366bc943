//! Storage failures seen in answers, remembered for `/readyz`.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};

use crate::error::StorageFault;
use crate::state::AppState;

/// How long `/readyz` answers 503 after a write failed for want of storage.
pub const STORAGE_FAILURE_MEMORY: Duration = Duration::from_secs(3);

/// When this instance last answered a request with a storage failure (a full or failing
/// disk: SQLite `SQLITE_FULL`/`SQLITE_IOERR`, PostgreSQL classes 53 and 58). A full disk still
/// answers reads, and its next small write may still fit; the failures themselves are the
/// surest sign. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct StorageHealth(Arc<Mutex<Option<Instant>>>);

impl StorageHealth {
    /// Records a storage failure now.
    pub fn failed(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// Whether a storage failure happened within [`STORAGE_FAILURE_MEMORY`].
    pub fn failed_recently(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < STORAGE_FAILURE_MEMORY)
    }
}

/// Remembers answers given because the storage failed (marked with [`StorageFault`]) in the
/// app's [`StorageHealth`], for `/readyz`.
pub async fn record_storage_faults(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        if response
            .response()
            .extensions()
            .get::<StorageFault>()
            .is_some()
        {
            state.storage.failed();
        }
    }
    Ok(response)
}
