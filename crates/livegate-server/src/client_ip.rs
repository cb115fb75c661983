//! The client's address: the TCP peer, unless the peer is one of the operator's reverse proxies
//! (`trusted_proxies`), in which case `X-Forwarded-For` names it. Anyone else's
//! `X-Forwarded-For` is ignored, so a caller cannot choose the address the audit trail records
//! or the one rate limits count.

use std::net::IpAddr;

use crate::outbound::Network;

/// The client address for a request from `peer` carrying `forwarded` (`X-Forwarded-For`).
/// Behind trusted proxies the header is read from the right, skipping addresses of trusted
/// proxies; the first other address is the client. A malformed entry ends the walk at the last
/// trusted hop.
pub fn client_ip(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[Network]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded.unwrap_or("").rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let none: [Network; 0] = [];
        assert_eq!(client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &none), ip("203.0.113.9"));
        let proxies = [Network::parse("10.0.0.0/8").unwrap()];
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), Some("1.2.3.4"), &proxies), ip("1.2.3.4"));
        // The client forged the leftmost entry; the proxy appended the real one.
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("6.6.6.6, 1.2.3.4, 10.0.0.3"), &proxies),
            ip("1.2.3.4")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), Some("junk"), &proxies), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), None, &proxies), ip("10.0.0.2"));
        assert_eq!(client_ip(None, Some("1.2.3.4"), &proxies), None);
    }
}
