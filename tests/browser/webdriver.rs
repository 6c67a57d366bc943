//! A small WebDriver client (W3C protocol over HTTP) for Debian's `chromium` and
//! `chromium-driver`: starts chromedriver on a free port, opens a headless session, and
//! offers what the tests need: navigate, find, type, click, read the page and the console.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The element reference key of the W3C protocol.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver child process and one browser session; both end on drop.
/// How long a wait for a page gives up after: long, since twelve browsers may share two
/// loaded cores in CI; a wait ends as soon as its condition holds.
pub const WAIT: Duration = Duration::from_secs(30);

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose console is logged.
    pub async fn start() -> Self {
        Self::launch(None).await
    }

    /// As [`Browser::start`], with a browser that asks for pages in `language` first
    /// (`Accept-Language`, e.g. `de-DE`).
    pub async fn start_in(language: &str) -> Self {
        Self::launch(Some(language)).await
    }

    async fn launch(language: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (apt-get install chromium chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http
                .get(format!("{base}/status"))
                .send()
                .await
                .ok()
                .map(|r| r.json::<Value>());
            if let Some(body) = ready {
                if body.await.is_ok_and(|b| b["value"]["ready"] == true) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,900"],
        });
        if let Some(language) = language {
            options["args"]
                .as_array_mut()
                .expect("the args")
                .push(json!(format!("--lang={language}")));
            options["prefs"] = json!({"intl": {"accept_languages": language}});
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
            // W3C WebDriver §8.5: finding an element waits up to this long for it to
            // appear, so a find right after a click that submits a form waits for the
            // next page instead of racing it.
            "timeouts": {"implicit": 10_000},
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a session: {created}"))
            .to_owned();
        Self {
            driver,
            base,
            session,
            http,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        match self.try_command(method, path, body).await {
            Ok(value) => value,
            Err(error) => panic!("WebDriver {path}: {error}"),
        }
    }

    /// The command's `value`, or its W3C error code and message.
    async fn try_command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("WebDriver answers")
            .json()
            .await
            .expect("WebDriver JSON");
        match answer["value"]["error"].as_str() {
            Some(error) => Err(format!("{error}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Opens `url` until its page contains `part` (up to [`WAIT`]), and returns the page: for
    /// a page that may show what it read up to a second ago (the public pages read the event
    /// through `services::read_cache`).
    pub async fn goto_until(&self, url: &str, part: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            self.goto(url).await;
            let source = self.source().await;
            if source.contains(part) && self.loaded().await {
                return source;
            }
            assert!(Instant::now() < deadline, "no {part:?} at {url}: {source}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn current_url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element `css` selects, waiting up to the session's implicit timeout (10 s)
    /// for it to appear; panics when there is none by then.
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .try_command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .unwrap_or_else(|error| json!(error));
        match found[ELEMENT].as_str() {
            Some(element) => element.to_owned(),
            None => panic!(
                "no element {css} ({found}) at {}:\n{}",
                self.current_url().await,
                self.source().await
            ),
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Resizes the browser window (CSS pixels).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Runs `script` (WebDriver's own injection, which the pages' CSP does not cover) and
    /// answers its return value.
    pub async fn eval(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` as WebDriver's asynchronous script: it ends by calling its last argument
    /// (`arguments[arguments.length - 1]`) with the answer, within the session's script
    /// timeout (30 s by default).
    pub async fn eval_async(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Waits (up to [`WAIT`]) until the page's source contains `part` and the page has loaded,
    /// and returns it: for a form
    /// that answers at the address the page already has, where the address cannot tell the
    /// new page from the old.
    pub async fn wait_for_source(&self, part: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            // A page still loading may show its first part only: wait for all of it.
            let source = self.source().await;
            if source.contains(part) && self.loaded().await {
                return self.source().await;
            }
            assert!(Instant::now() < deadline, "no {part:?} in {source}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the page has finished loading (`document.readyState` is `complete`).
    async fn loaded(&self) -> bool {
        self.eval("return document.readyState").await == "complete"
    }

    /// Waits (up to [`WAIT`]) until the page's address contains `part` and the page has loaded.
    pub async fn wait_for_url(&self, part: &str) -> String {
        self.wait_until_url(|url| url.contains(part)).await
    }

    /// Waits (up to [`WAIT`]) until `arrived` holds for the page's address and the page has loaded.
    pub async fn wait_until_url(&self, arrived: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.current_url().await;
            if arrived(&url) && self.loaded().await {
                return url;
            }
            assert!(Instant::now() < deadline, "still at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The console messages at level `SEVERE` since the last call (errors, CSP violations,
    /// failed loads).
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self
            .command(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "browser"})),
            )
            .await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Browser {
    /// The value of the browser's cookie `name` for the current page (`HttpOnly` ones too, as
    /// WebDriver sees every cookie): to fetch a download link as the browser would.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.try_command(reqwest::Method::GET, &format!("/cookie/{name}"), None)
            .await
            .ok()
            .and_then(|cookie| cookie["value"].as_str().map(str::to_owned))
    }

    /// Ends the session (the browser exits), then the driver.
    pub async fn quit(self) {
        let _ = self.http.delete(self.session_url()).send().await;
    }

    fn session_url(&self) -> String {
        format!("{}/session/{}", self.base, self.session)
    }
}

impl Drop for Browser {
    /// The browser and the driver end with the test, also when an assertion failed before
    /// `quit` (a killed driver would leave its Chromium running): the session is deleted from
    /// a thread of its own, since this may run inside the test's runtime.
    fn drop(&mut self) {
        let url = self.session_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let client = reqwest::Client::new();
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), client.delete(url).send())
                            .await;
                });
            }
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
