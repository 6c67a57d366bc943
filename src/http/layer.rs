//! Middleware made of two plain functions around the inner service ([`Around`]), served by one
//! [`Transform`] ([`Layer`]) whose future is a struct, not a boxed `async` block.
//!
//! Written here because actix-web offers no such shape: `middleware::from_fn` (the former
//! actix-web-lab one) boxes each layer's future and calls the next layer through a `dyn`
//! service, and a hand-written `Transform` per layer repeats the same fifty lines each time.
//! With seven `from_fn` layers a cached attendee page spent 0.5 of its 3.9 µs of user-space
//! CPU moving, boxing and freeing the nested futures (bench/README.md, session 10). Most of
//! podium's layers do their work synchronously before and after the inner service, so they
//! need no future of their own; the two that await (`auth`, `rate_limit`) stay `from_fn`.
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpResponse,
};
use pin_project_lite::pin_project;

/// A middleware's work before and after the inner service, both synchronous.
pub trait Around: Clone + 'static {
    /// What [`before`](Around::before) hands to [`after`](Around::after). When the inner
    /// service fails, or the request is dropped (a client that hung up), it is dropped
    /// without `after`: a carry that must act in every case does so in its `Drop`.
    type Carry;

    /// Looks at or changes the request; `Err(answer)` answers at once, without the inner
    /// service (and without `after`). Boxed: the rare early answer is 128 bytes, the carry
    /// a few.
    fn before(&self, req: &mut ServiceRequest) -> Result<Self::Carry, Box<HttpResponse>>;

    /// Looks at or changes the inner service's answer.
    fn after<B>(&self, carry: Self::Carry, res: &mut ServiceResponse<B>);
}

/// The [`Transform`] of an [`Around`]: `app.wrap(Layer(NoStore))`. Its answers' body is the
/// inner one (left) or the early answer's (right).
#[derive(Debug, Clone, Copy)]
pub struct Layer<A>(pub A);

impl<S, B, A> Transform<S, ServiceRequest> for Layer<A>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
    A: Around,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = LayerService<S, A>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, inner: S) -> Self::Future {
        std::future::ready(Ok(LayerService {
            inner,
            around: self.0.clone(),
        }))
    }
}

/// The service of a [`Layer`] around the inner service `S`.
pub struct LayerService<S, A> {
    inner: S,
    around: A,
}

impl<S, B, A> Service<ServiceRequest> for LayerService<S, A>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
    A: Around,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LayerFuture<S::Future, A>;

    forward_ready!(inner);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        match self.around.before(&mut req) {
            Ok(carry) => LayerFuture::Inner {
                future: self.inner.call(req),
                carry: Some(carry),
                around: self.around.clone(),
            },
            Err(answer) => LayerFuture::Answered {
                answer: Some(req.into_response(*answer)),
            },
        }
    }
}

pin_project! {
    /// The answer of a [`LayerService`]: the inner service's, passed through
    /// [`Around::after`], or the early one of [`Around::before`].
    #[project = LayerProjection]
    pub enum LayerFuture<F, A: Around> {
        Inner {
            #[pin]
            future: F,
            carry: Option<A::Carry>,
            around: A,
        },
        Answered {
            answer: Option<ServiceResponse>,
        },
    }
}

impl<F, B, A> Future for LayerFuture<F, A>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    A: Around,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            LayerProjection::Inner {
                future,
                carry,
                around,
            } => {
                let outcome = ready!(future.poll(cx));
                // Taken either way: a carry acting in its `Drop` acts now, not when the
                // dispatcher drops this future.
                let carry = carry.take();
                let mut res = outcome?;
                if let Some(carry) = carry {
                    around.after(carry, &mut res);
                }
                Poll::Ready(Ok(res.map_into_left_body()))
            }
            LayerProjection::Answered { answer } => Poll::Ready(
                answer
                    .take()
                    .map(ServiceResponse::map_into_right_body)
                    .ok_or_else(|| {
                        actix_web::error::ErrorInternalServerError("an answer polled twice")
                    }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use actix_web::{http::StatusCode, test, web, App, HttpResponse};

    use super::*;

    /// Counts its calls; answers 418 for `/early` before the inner service; marks answers.
    #[derive(Clone, Default)]
    struct Probe {
        afters: Rc<Cell<u32>>,
        dropped: Rc<Cell<u32>>,
    }

    struct Carried(Rc<Cell<u32>>);

    impl Drop for Carried {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    impl Around for Probe {
        type Carry = Carried;

        fn before(&self, req: &mut ServiceRequest) -> Result<Carried, Box<HttpResponse>> {
            if req.path() == "/early" {
                return Err(Box::new(HttpResponse::ImATeapot().body("early")));
            }
            Ok(Carried(self.dropped.clone()))
        }

        fn after<B>(&self, _carry: Carried, res: &mut ServiceResponse<B>) {
            self.afters.set(self.afters.get() + 1);
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-probe"),
                actix_web::http::header::HeaderValue::from_static("after"),
            );
        }
    }

    #[actix_web::test]
    async fn after_sees_the_inner_answer_and_an_early_answer_skips_the_inner_service() {
        let probe = Probe::default();
        let app = test::init_service(
            App::new()
                .wrap(Layer(probe.clone()))
                .route(
                    "/inner",
                    web::get().to(|| async { HttpResponse::Ok().body("inner") }),
                )
                .route(
                    "/early",
                    web::get().to(|| async { HttpResponse::Ok().body("reached") }),
                )
                .route(
                    "/fails",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(actix_web::error::ErrorBadRequest("no"))
                    }),
                ),
        )
        .await;

        let res =
            test::call_service(&app, test::TestRequest::get().uri("/inner").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("x-probe").unwrap(), "after");
        assert_eq!(test::read_body(res).await, "inner");
        assert_eq!((probe.afters.get(), probe.dropped.get()), (1, 1));

        let res =
            test::call_service(&app, test::TestRequest::get().uri("/early").to_request()).await;
        assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
        assert!(res.headers().get("x-probe").is_none());
        assert_eq!(test::read_body(res).await, "early");
        assert_eq!((probe.afters.get(), probe.dropped.get()), (1, 1));

        // A handler's error is an answer by the time it leaves the route: `after` sees it.
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/fails").to_request()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!((probe.afters.get(), probe.dropped.get()), (2, 2));
    }

    #[actix_web::test]
    async fn a_request_dropped_midway_drops_its_carry_without_after() {
        let probe = Probe::default();
        let app = test::init_service(App::new().wrap(Layer(probe.clone())).route(
            "/slow",
            web::get().to(|| async {
                std::future::pending::<()>().await;
                HttpResponse::Ok().finish()
            }),
        ))
        .await;
        let pending = app.call(test::TestRequest::get().uri("/slow").to_request());
        drop(pending);
        assert_eq!((probe.afters.get(), probe.dropped.get()), (0, 1));
    }
}
