//! What podium's own code costs a cached attendee page, without the network: the whole app
//! (every middleware, the route, the page cache) called in-process through
//! `actix_web::test::call_service`, against an app with one route answering the same bytes.
//!
//! Over loopback, a run of `bench/run.sh` moves by 10–25 % with the scheduler's mood (the same
//! limit answered 117 000 to 151 000 times a second within a few minutes), so a change worth 2 %
//! cannot be seen there. In-process the same build gives the same nanoseconds to within 1–2 %:
//! this is how a change to the request path is judged before `run.sh` measures the whole.
//!
//! `rm -f /tmp/in-process.db*; DATABASE_URL="sqlite:///tmp/in-process.db?mode=rwc" \
//!  PODIUM_SECRET=/tmp/in-process.secret cargo run --release --example bench_in_process`
//! (a fresh database each time: it makes the first admin; `ROUNDS`, `REQUESTS` per round). Prints podium's and the bare app's nanoseconds per page and the
//! difference, per round.
use std::sync::Arc;
use std::time::Instant;

use actix_http::Request;
use actix_web::{
    dev::{Service, ServiceResponse},
    test, web, App, HttpResponse,
};
use clap::Parser;
use podium::{config::Settings, db, http, mail::worker::MailSignal, services, state::AppState};

/// podium's settings, from the environment as `podium serve` reads them.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
}

/// Nanoseconds a `GET path` takes `app`, over `requests` calls one after the other; an answer
/// that is not a success stops the run.
async fn nanos_a_page<S, B>(name: &str, app: &S, path: &str, requests: u32) -> anyhow::Result<f64>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let started = Instant::now();
    for _ in 0..requests {
        let answer = test::call_service(app, test::TestRequest::get().uri(path).to_request()).await;
        anyhow::ensure!(answer.status().is_success(), "{name}: {}", answer.status());
    }
    Ok(started.elapsed().as_nanos() as f64 / f64::from(requests))
}

fn number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = Cli::parse_from(["bench_in_process"]).settings;
    let db = db::connect(settings.database_url(), 4).await?;
    db::migrate(&db).await?;
    podium::domain::token::install(db::shared_secret(&db).await?);
    let admin = services::organisers::ensure_first_admin(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database is not fresh: no first admin was made"))?;
    http::metrics::handle();
    let spec = http::document();
    let document = http::ApiDocument::new(&spec)?;
    let state = AppState::build(
        Arc::new(settings),
        db,
        "http://127.0.0.1".to_owned(),
        MailSignal::default(),
        podium::webhooks::WebhookSignal::default(),
        services::read_cache::WriteEpoch::default(),
        http::routes::route_table(&spec),
    )
    .await?;
    let app = test::init_service(http::app(web::Data::new(state), None, document)).await;

    let bearer = ("Authorization", format!("Bearer {admin}"));
    let json = ("Content-Type", "application/json");
    let create = test::TestRequest::post()
        .uri("/api/v1/events")
        .insert_header(bearer.clone())
        .insert_header(json)
        .set_payload(
            r#"{"title":"Bench","slug":"bench","timezone":"Europe/Berlin","starts_at":"2030-06-24T08:00:00+02:00","ends_at":"2030-06-26T20:00:00+02:00","capacity":100}"#,
        );
    anyhow::ensure!(test::call_service(&app, create.to_request())
        .await
        .status()
        .is_success());
    let publish = test::TestRequest::post()
        .uri("/api/v1/events/bench/publish")
        .insert_header(bearer);
    anyhow::ensure!(test::call_service(&app, publish.to_request())
        .await
        .status()
        .is_success());
    let register = test::TestRequest::post()
        .uri("/api/v1/events/bench/registrations")
        .insert_header(json)
        .set_payload(
            r#"{"name":"Bench Page","email":"page@bench.example","organisation":"Bench GmbH","sector":"science","language":"de","consent":true}"#,
        );
    let registered: serde_json::Value =
        test::read_body_json(test::call_service(&app, register.to_request()).await).await;
    let token = registered["manage_token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no manage_token in {registered}"))?;
    let path = format!("/registrations/{token}");
    let page = test::read_body(
        test::call_service(&app, test::TestRequest::get().uri(&path).to_request()).await,
    )
    .await;

    let bare = test::init_service(App::new().app_data(web::Data::new(page.clone())).route(
        "/registrations/{token}",
        web::get().to(|body: web::Data<web::Bytes>| async move {
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(body.get_ref().clone())
        }),
    ))
    .await;

    let requests = number("REQUESTS", 300_000);
    for round in 1..=number("ROUNDS", 3) {
        let podium = nanos_a_page("podium", &app, &path, requests).await?;
        let bare = nanos_a_page("bare", &bare, &path, requests).await?;
        println!(
            "round {round}: podium {podium:.0} ns a page, bare app {bare:.0} ns, podium's own {:.0} ns ({} bytes)",
            podium - bare,
            page.len()
        );
    }
    Ok(())
}
