//! The limits podium's benchmark measures itself against, on the same machine in the same run
//! (`bench/run.sh`): actix-web with nothing behind it.
//!
//! - `GET /bare`: an empty `200`, the least an HTTP answer costs (the limit of a `304`);
//! - `GET /body/{bytes}`: that many bytes from memory (the limit of a feed, the event JSON or
//!   a list page of that size), with no work but copying them to the socket.
//!
//! `cargo run --release --example bench_limit -- 127.0.0.1:18091`
use actix_web::{get, web, App, HttpResponse, HttpServer};

/// The largest body served, 8 MiB.
const MAX_BODY: usize = 8 * 1024 * 1024;

#[get("/bare")]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/body/{bytes}")]
async fn body(bytes: web::Path<usize>, data: web::Data<web::Bytes>) -> HttpResponse {
    let n = bytes.into_inner().min(MAX_BODY);
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(data.slice(..n))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18091".to_owned());
    let data = web::Data::new(web::Bytes::from(vec![b'x'; MAX_BODY]));
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .service(bare)
            .service(body)
    })
    .bind(bind)?
    .run()
    .await
}
