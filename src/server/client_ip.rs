//! Who the client is when Parlor runs behind reverse proxies.
//!
//! The TCP peer is the client, unless it is one of `trusted_proxies`: then the one header the
//! proxies write (`forwarded_header`: `X-Forwarded-For` by default, or RFC 7239 `Forwarded`)
//! names the hops, nearest last, and the client is the nearest hop that is not itself a
//! trusted proxy. The other header is never read: a proxy that appends to one passes the
//! other through as the client wrote it. A header from any other peer is ignored, so a client
//! cannot claim another address to escape its per-address limits.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::server::config::ForwardedHeader;

/// The client's address, given the TCP peer and the request's headers.
pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in hops(headers, header).into_iter().rev() {
        // A hop a proxy could not name ("unknown", an obfuscated name) ends the chain: the
        // nearest named one is the best we know.
        let Some(ip) = hop else { break };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// Whether the request reached the proxies over https: only a trusted proxy's word counts
/// (the last `X-Forwarded-Proto`, or with `Forwarded` the nearest hop's `proto=`).
pub fn forwarded_https(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> bool {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return false;
    };
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return false;
    }
    let last = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .map(|v| v.trim().to_owned())
    };
    let proto = match header {
        ForwardedHeader::Forwarded => last("forwarded").and_then(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("proto")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
        }),
        ForwardedHeader::XForwardedFor => last("x-forwarded-proto"),
    };
    proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The forwarded-for chain, farthest first; `None` for a hop that is not an address.
fn hops(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    if header == ForwardedHeader::Forwarded {
        return headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| address(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| address(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;
    const RFC: ForwardedHeader = ForwardedHeader::Forwarded;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header"));
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claim = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=1.2.3.4"),
        ]);
        let peer = ip("203.0.113.9");
        assert_eq!(client_ip(peer, &claim, &[], XFF), peer);
        assert_eq!(client_ip(peer, &claim, &nets(&["10.0.0.0/8"]), RFC), peer);
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_earlier_claims_are_skipped() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client itself sent a forged first entry; nginx appended the real peer.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.3")]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, XFF),
            ip("198.51.100.7")
        );
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.0.0.3",
        )]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &h, &trusted, RFC),
            ip("2001:db8:cafe::17")
        );
        // Only proxies all the way: the farthest one is the best answer.
        let h = headers(&[("x-forwarded-for", "10.0.0.9")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted, XFF), ip("10.0.0.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted, XFF),
            ip("10.0.0.1")
        );
        // A hop that is not an address ends the chain.
        let h = headers(&[("forwarded", "for=unknown, for=10.0.0.2")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted, RFC), ip("10.0.0.2"));
    }

    #[test]
    fn the_header_the_proxy_does_not_write_is_never_read() {
        // nginx appends to X-Forwarded-For and passes the client's own Forwarded through.
        let trusted = nets(&["127.0.0.1/32"]);
        let h = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, XFF),
            ip("198.51.100.7")
        );
        let spoofed_proto = headers(&[("forwarded", "proto=https"), ("x-forwarded-proto", "http")]);
        assert!(!forwarded_https(
            Some(ip("127.0.0.1")),
            &spoofed_proto,
            &trusted,
            XFF
        ));
    }

    #[test]
    fn only_a_trusted_proxy_says_https() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-proto", "https")]);
        assert!(forwarded_https(Some(ip("10.0.0.1")), &h, &trusted, XFF));
        assert!(!forwarded_https(Some(ip("203.0.113.1")), &h, &trusted, XFF));
        assert!(!forwarded_https(None, &h, &trusted, XFF));
        let h = headers(&[("forwarded", "for=1.2.3.4;proto=https")]);
        assert!(forwarded_https(Some(ip("10.0.0.1")), &h, &trusted, RFC));
        let h = headers(&[("forwarded", "for=1.2.3.4;proto=http")]);
        assert!(!forwarded_https(Some(ip("10.0.0.1")), &h, &trusted, RFC));
    }

    #[test]
    fn a_mapped_ipv4_peer_is_the_ipv4_address() {
        let trusted = nets(&["127.0.0.1/32"]);
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.1"), &h, &trusted, XFF),
            ip("198.51.100.7")
        );
    }
}
