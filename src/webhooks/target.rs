//! Where a delivery may go, decided when it is sent: the endpoint's host is resolved then, and
//! the client connects only to the addresses that passed [`is_forbidden`] (its resolver drops
//! the others, so a name that resolves to a private address later, or to a public and a
//! private one, cannot reach the private one). An IP address in the URL is checked before the
//! request. Redirects are not followed, no proxy is used, and a send takes at most
//! [`SEND_TIMEOUT`].
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use crate::domain::webhook::is_forbidden;

/// The longest one delivery may take, connecting included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an address was refused, as the resolver's error says it (kept in `last_error`).
pub const REFUSED: &str = "refused: the endpoint resolves only to loopback, private, \
link-local or metadata addresses";

/// A resolver that keeps only the addresses podium may reach (all of them when the operator
/// allows private targets).
#[derive(Debug, Clone, Copy)]
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| allow_private || !is_forbidden(addr.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(REFUSED.into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client of the webhook worker: checked resolver, no redirects, no proxy, 10 s.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(CheckedResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(SEND_TIMEOUT)
        .connect_timeout(SEND_TIMEOUT)
        .user_agent(concat!("podium-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// `Err` with the reason when a URL names an address podium must not reach (its host an IP
/// address that is forbidden); names are judged by the resolver when connecting.
pub fn check_literal(url: &Url, allow_private: bool) -> Result<(), &'static str> {
    if allow_private {
        return Ok(());
    }
    let ip: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err("the URL names no host"),
    };
    match ip {
        Some(ip) if is_forbidden(ip) => Err(REFUSED),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_resolver_drops_loopback_unless_private_targets_are_allowed() {
        let strict = CheckedResolver {
            allow_private: false,
        };
        let name: Name = "localhost".parse().expect("a name");
        let refused = strict.resolve(name).await;
        assert!(refused.is_err(), "localhost resolves to loopback only");
        let open = CheckedResolver {
            allow_private: true,
        };
        let addrs: Vec<SocketAddr> = open
            .resolve("localhost".parse().expect("a name"))
            .await
            .expect("resolved")
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }

    #[test]
    fn literal_addresses_are_checked_before_connecting() {
        let url = |s: &str| Url::parse(s).expect(s);
        assert!(check_literal(&url("http://127.0.0.1:8080/"), false).is_err());
        assert!(check_literal(&url("https://[::ffff:169.254.169.254]/"), false).is_err());
        assert!(check_literal(&url("https://93.184.215.14/"), false).is_ok());
        assert!(check_literal(&url("https://hooks.example.org/"), false).is_ok());
        assert!(check_literal(&url("http://127.0.0.1:8080/"), true).is_ok());
    }
}
