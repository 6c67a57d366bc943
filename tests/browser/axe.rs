//! Accessibility checks with axe-core (Deque's rules for WCAG 2.x A and AA, and best practices)
//! injected into the page the browser shows, as the acceptance suite does.
//!
//! axe-core is an npm package (`tests/support/package.json`, pinned with its lock file):
//! `npm ci --prefix tests/support` installs it (`.ci/run` does). Without it the check fails
//! with that command, so a missing install never passes as "no violations".
use std::sync::OnceLock;

use serde_json::Value;

use crate::webdriver::Browser;

/// The phone width the pages are checked at (CSS pixels), with a phone's height.
pub const PHONE: (u32, u32) = (390, 844);
/// The desktop width the pages are checked at.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// axe-core's source, read once per test process.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/node_modules/axe-core/axe.min.js"
        );
        std::fs::read_to_string(path).unwrap_or_else(|error| {
            panic!(
                "axe-core is not installed ({path}: {error}): run `npm ci --prefix tests/support`"
            )
        })
    })
}

/// Runs axe-core on the page the browser shows, at the window's current size, and panics
/// with every violation (rule, impact, the elements and why) if there is one. `what` names the
/// page in the message.
pub async fn assert_accessible(browser: &Browser, what: &str) {
    // Injected through WebDriver, which the pages' Content-Security-Policy does not govern;
    // `window.axe` stays for the next check on the same document.
    browser
        .eval(&format!(
            "if (!window.axe) {{ {} }} return true;",
            axe_source()
        ))
        .await;
    let answer = browser
        .eval_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(result => done(JSON.stringify(result.violations.map(v => ({
                 rule: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)
               })))))
               .catch(error => done('axe failed: ' + error));",
        )
        .await;
    let text = answer.as_str().unwrap_or_default();
    let violations: Vec<Value> = serde_json::from_str(text)
        .unwrap_or_else(|_| panic!("axe-core did not run on {what}: {answer}"));
    assert!(
        violations.is_empty(),
        "axe-core found {} violation(s) on {what}:\n{}",
        violations.len(),
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

/// [`assert_accessible`] at phone width and at desktop width (the window keeps the desktop
/// size afterwards).
pub async fn assert_accessible_at_both_widths(browser: &Browser, what: &str) {
    for (width, height) in [PHONE, DESKTOP] {
        browser.resize(width, height).await;
        assert_accessible(browser, &format!("{what} at {width} px")).await;
    }
}
