//! A browser's view of the backoffice for the HTTP tests: form posts with podium's own
//! origin, signing in with a token, and the form token a page carries.
use reqwest::{header, Method};

use crate::helpers::{Answer, TestApp};

/// A form `POST` (or a `GET`) to `path` with the given cookie, extra headers and fields.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if method == Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// The headers a browser sends with a form of podium's own page.
pub fn own(app: &TestApp) -> [(&str, &str); 2] {
    [("origin", &app.address), ("sec-fetch-site", "same-origin")]
}

/// The headers a browser sends with a form another site made.
pub const CROSS_SITE: [(&str, &str); 2] = [
    ("origin", "https://evil.example"),
    ("sec-fetch-site", "cross-site"),
];

/// A same-site form `POST`.
pub async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Answer {
    send(app, Method::POST, path, Some(cookie), &own(app), form).await
}

/// A `GET` with the session's cookie.
pub async fn get(app: &TestApp, path: &str, cookie: &str) -> Answer {
    send(app, Method::GET, path, Some(cookie), &[], &[]).await
}

/// Signs in with `token` by the sign-in form; the `Cookie` header value.
pub async fn sign_in(app: &TestApp, token: &str) -> String {
    let answer = send(
        app,
        Method::POST,
        "/orga/sign-in",
        None,
        &own(app),
        &[("token", token)],
    )
    .await;
    answer.assert_status(303);
    let set = answer.header("set-cookie").expect("a cookie");
    set.split(';').next().unwrap().to_owned()
}

/// The form token the page's forms carry.
pub fn form_token(page: &Answer) -> String {
    let at = page
        .text
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    page.text[at..].split('"').next().unwrap().to_owned()
}
