//! Organiser authentication at the edge: the bearer-token middleware, the `Organiser`,
//! `Admin`, `Allowed<P>` and `MaybeOrganiser` extractors and the cache of tokens recently
//! found. Who may do what is [`crate::domain::member`]'s rule; the extractors only ask it.
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web, FromRequest, HttpMessage, HttpRequest,
};
use entity::organiser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::hash_token;
use crate::domain::member::{Member, Permission};
use crate::error::ApiError;
use crate::services::organisers;
use crate::state::AppState;

/// The organiser (team member) behind the request's bearer token, with their permissions.
#[derive(Debug, Clone)]
pub struct Organiser(pub organiser::Model, pub Member);

impl Organiser {
    pub fn is_admin(&self) -> bool {
        self.1.may(Permission::Team, None)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.require(Permission::Team, None)
    }

    /// 403 unless the member may do `permission` to the event a path names (id or slug).
    pub fn require(&self, permission: Permission, event_key: Option<&str>) -> Result<(), ApiError> {
        if self.1.may_key(permission, event_key) {
            Ok(())
        } else {
            let event_id = event_key.map(|_| uuid::Uuid::nil());
            Err(ApiError::Forbidden(self.1.refusal(permission, event_id)))
        }
    }

    /// The events the member is limited to (`None`: every event): the filter of event lists.
    pub fn event_scope(&self) -> Option<Vec<uuid::Uuid>> {
        self.1.event_scope()
    }
}

/// An organiser with the admin role: 401 without a valid token, 403 for other roles, before
/// the body is read.
#[derive(Debug, Clone)]
pub struct Admin(pub Organiser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = organiser_of(req);
        Box::pin(async move {
            let organiser = found.await?.ok_or(ApiError::Unauthorized)?;
            organiser.require_admin()?;
            Ok(Self(organiser))
        })
    }
}

/// The permissions [`Allowed`] can ask for, one type each.
pub mod need {
    use crate::domain::member::Permission;

    /// A permission as a type, for [`super::Allowed`].
    pub trait Need {
        const PERMISSION: Permission;
    }

    macro_rules! need {
        ($($name:ident),*) => {$(
            #[doc = concat!("[`Permission::", stringify!($name), "`] as a type.")]
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Need for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }
    need!(See, CheckIn, Review, Manage, CreateEvents, Team);
}

/// A member who may do `P` to the event the path names (`{event}`, an id or a slug; a path
/// without one: to no event in particular). 401 without a valid token; 403 when the role does
/// not allow `P` or the event is outside the member's events (also for a slug that names no
/// event: a limited member learns nothing of events outside their list). Judged from the
/// token's member alone, before the body is read.
#[derive(Debug, Clone)]
pub struct Allowed<P: need::Need>(pub Organiser, PhantomData<P>);

impl<P: need::Need> std::ops::Deref for Allowed<P> {
    type Target = Organiser;

    fn deref(&self) -> &Organiser {
        &self.0
    }
}

impl<P: need::Need + 'static> FromRequest for Allowed<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = organiser_of(req);
        let key = req.match_info().get("event").map(str::to_owned);
        Box::pin(async move {
            let organiser = found.await?.ok_or(ApiError::Unauthorized)?;
            organiser.require(P::PERMISSION, key.as_deref())?;
            Ok(Self(organiser, PhantomData))
        })
    }
}

/// The organiser if a bearer token is sent, `None` for anonymous requests.
/// A token that is sent but not valid is still a 401. On a path with an `{event}`, a member
/// who may not manage that event (a reviewer, a door, an organiser of other events) gets the
/// public view: `None`.
#[derive(Debug, Clone)]
pub struct MaybeOrganiser(pub Option<Organiser>);

impl MaybeOrganiser {
    pub fn is_organiser(&self) -> bool {
        self.0.is_some()
    }
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized);
    }
    Ok(Some(token.trim().to_owned()))
}

/// How long a token found valid is trusted without asking the database again. A rotation or
/// revocation through this instance takes effect at once ([`TokenCache::forget_all`]); one
/// through another instance on the same database within this time.
pub const TOKEN_TTL: Duration = Duration::from_secs(1);
/// Tokens remembered at most; organisers are few, so this only bounds a flood of valid tokens.
const MAX_TOKENS: usize = 1024;

/// Organisers recently found by their token's hash, so that an organiser's burst of requests
/// (paging through the attendee list, a check-in desk) costs one lookup a second, not one each.
/// Only valid tokens are remembered: an unknown token always asks the database.
#[derive(Clone, Default)]
pub struct TokenCache(Arc<Mutex<Tokens>>);

#[derive(Default)]
struct Tokens {
    /// Moves on every [`TokenCache::forget_all`]: a lookup that began before it is not kept.
    generation: u64,
    found: HashMap<String, (Organiser, Instant)>,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The organiser behind `hash` if found recently, else the generation to hand to
    /// [`Self::put`] after asking the database.
    fn get(&self, hash: &str) -> Result<Organiser, u64> {
        let tokens = self.lock();
        tokens
            .found
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_TTL)
            .map(|(organiser, _)| organiser.clone())
            .ok_or(tokens.generation)
    }

    fn put(&self, hash: String, organiser: Organiser, generation: u64) {
        let mut tokens = self.lock();
        if tokens.generation != generation {
            return;
        }
        if tokens.found.len() >= MAX_TOKENS {
            tokens.found.retain(|_, (_, at)| at.elapsed() < TOKEN_TTL);
            if tokens.found.len() >= MAX_TOKENS {
                tokens.found.clear();
            }
        }
        tokens.found.insert(hash, (organiser, Instant::now()));
    }

    /// Forgets every token: after a rotation or revocation, the old token must fail at once.
    pub fn forget_all(&self) {
        let mut tokens = self.lock();
        tokens.generation += 1;
        tokens.found.clear();
    }
}

async fn lookup(state: web::Data<AppState>, token: String) -> Result<Organiser, ApiError> {
    let hash = hash_token(&token);
    let generation = match state.tokens.get(&hash) {
        Ok(organiser) => return Ok(organiser),
        Err(generation) => generation,
    };
    let organiser = organiser::Entity::find()
        .filter(organiser::Column::TokenHash.eq(hash.as_str()))
        .filter(organiser::Column::RevokedAt.is_null())
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let member = organisers::member(&state.db, &organiser).await?;
    let organiser = Organiser(organiser, member);
    state.tokens.put(hash, organiser.clone(), generation);
    Ok(organiser)
}

/// The active organiser with this token (the door page's sign-in form); 401 otherwise.
pub async fn organiser_by_token(
    state: web::Data<AppState>,
    token: &str,
) -> Result<Organiser, ApiError> {
    lookup(state, token.trim().to_owned()).await
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))
}

/// What [`authenticate`] found for the request's bearer token.
#[derive(Debug, Clone)]
enum Credential {
    Valid(Organiser),
    Invalid,
}

/// Middleware: resolves the bearer token before any extractor runs, so a bad token is a 401
/// even where the body is also bad (extractors run side by side; the first to fail answers).
/// Requests without an `Authorization` header pass untouched.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let credential = match bearer(req.request()) {
        Ok(None) => None,
        Err(_) => Some(Credential::Invalid),
        Ok(Some(token)) => {
            let found = match state_of(req.request()) {
                Ok(state) => lookup(state, token).await,
                Err(err) => Err(err),
            };
            match found {
                Ok(organiser) => Some(Credential::Valid(organiser)),
                Err(ApiError::Unauthorized) => Some(Credential::Invalid),
                // The database is down or busy: answered here, through the outer middleware.
                Err(other) => return Ok(req.error_response(other).map_into_right_body()),
            }
        }
    };
    if let Some(credential) = credential {
        req.extensions_mut().insert(credential);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The organiser for `req`: from [`authenticate`] when it ran, else looked up here.
fn organiser_of(
    req: &HttpRequest,
) -> Pin<Box<dyn Future<Output = Result<Option<Organiser>, ApiError>>>> {
    let resolved = req.extensions().get::<Credential>().cloned();
    let token = bearer(req);
    let state = state_of(req);
    Box::pin(async move {
        match resolved {
            Some(Credential::Valid(organiser)) => Ok(Some(organiser)),
            Some(Credential::Invalid) => Err(ApiError::Unauthorized),
            None => match token? {
                None => Ok(None),
                Some(token) => Ok(Some(lookup(state?, token).await?)),
            },
        }
    })
}

impl FromRequest for Organiser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = organiser_of(req);
        Box::pin(async move { found.await?.ok_or(ApiError::Unauthorized) })
    }
}

impl FromRequest for MaybeOrganiser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = organiser_of(req);
        let key = req.match_info().get("event").map(str::to_owned);
        Box::pin(async move {
            let organiser = found.await?;
            Ok(Self(organiser.filter(|o| match &key {
                Some(key) => o.1.may_key(Permission::Manage, Some(key)),
                None => true,
            })))
        })
    }
}
