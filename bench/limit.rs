//! The limits podium's benchmark measures itself against, on the same machine in the same run
//! (`bench/run.sh`): actix-web with nothing behind it.
//!
//! - `GET /bare`: an empty `200`, the least an HTTP answer costs (the limit of a `304`);
//! - `GET /body/{bytes}`: that many bytes from memory, with no work but copying them to the
//!   socket (sessions 8–12's limit of a feed, the event JSON, a list or a page of that size);
//! - `PUT /answer/{name}?bytes=N` with header lines (`Name: value`, one a line) as its body,
//!   then `GET /answer/{name}`: the same headers and N bytes from memory, i.e. the answer a
//!   scenario's request gets from podium, byte for byte the same size, without the work of
//!   making it: a map lookup under a read lock, and the headers' values put in as shared
//!   bytes (a reference count each, no copy), well under 1 % of an answer. `Date` and
//!   `Content-Length` are actix-web's own, as on podium's answers. Status `200` only: the
//!   `304` and `303` scenarios keep the empty answer of `/bare` as their limit.
//!
//! `cargo run --release --example bench_limit -- 127.0.0.1:18091`
use std::collections::HashMap;
use std::sync::RwLock;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{get, put, web, App, HttpRequest, HttpResponse, HttpServer};

/// The largest body served, 8 MiB.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A recorded answer: its headers and the size of its body.
struct Answer {
    headers: Vec<(HeaderName, HeaderValue)>,
    bytes: usize,
}

/// Recorded answers by name; written before a scenario's limit is measured, read on every
/// request of it.
type Answers = RwLock<HashMap<String, Answer>>;

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

#[derive(serde::Deserialize)]
struct Size {
    bytes: usize,
}

/// Records an answer; `400` for a line that is no header.
#[put("/answer/{name}")]
async fn record(
    name: web::Path<String>,
    size: web::Query<Size>,
    lines: String,
    answers: web::Data<Answers>,
) -> HttpResponse {
    let mut headers = Vec::new();
    for line in lines.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let Some((header, value)) = line.split_once(':') else {
            return HttpResponse::BadRequest().body(format!("not a header: {line}\n"));
        };
        match (
            HeaderName::from_bytes(header.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) {
            (Ok(name), Ok(value)) => headers.push((name, value)),
            _ => return HttpResponse::BadRequest().body(format!("not a header: {line}\n")),
        }
    }
    let answer = Answer {
        headers,
        bytes: size.bytes.min(MAX_BODY),
    };
    answers
        .write()
        .expect("no writer panicked")
        .insert(name.into_inner(), answer);
    HttpResponse::NoContent().finish()
}

#[get("/answer/{name}")]
async fn replay(
    req: HttpRequest,
    answers: web::Data<Answers>,
    data: web::Data<web::Bytes>,
) -> HttpResponse {
    let name = req.match_info().get("name").unwrap_or_default();
    let answers = answers.read().expect("no writer panicked");
    let Some(answer) = answers.get(name) else {
        return HttpResponse::NotFound().finish();
    };
    let mut response = HttpResponse::Ok().body(data.slice(..answer.bytes));
    let headers = response.headers_mut();
    headers.reserve(answer.headers.len());
    for (name, value) in &answer.headers {
        headers.append(name.clone(), value.clone());
    }
    response
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18091".to_owned());
    let data = web::Data::new(web::Bytes::from(vec![b'x'; MAX_BODY]));
    let answers = web::Data::new(Answers::default());
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(answers.clone())
            .service(bare)
            .service(body)
            .service(record)
            .service(replay)
    })
    .bind(bind)?
    .run()
    .await
}
