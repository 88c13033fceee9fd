//! Who the client is: the address sign-in failures are counted against.
use poem::Request;

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. (Entries further left
/// were written by the client and prove nothing.)
pub fn client_address(req: &Request, trusted: &[ipnet::IpNet]) -> String {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_canonical());
    let Some(peer) = peer else {
        return String::new();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    client_key(forwarded_client(peer, &forwarded, trusted))
}

/// How a client is counted: an IPv4 address, or an IPv6 address's /64 network (one
/// subscriber usually has a whole /64 to rotate through).
fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]` or `[::1]:5678`.
fn parse_hop(hop: &str) -> Option<std::net::IpAddr> {
    let hop = hop.trim();
    hop.parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

fn forwarded_client(
    peer: std::net::IpAddr,
    forwarded: &[&str],
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        if !is_trusted(&client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip.to_canonical(),
            // A hop that is not an address: stop at the last proxy we trust.
            None => break,
        }
    }
    client
}

/// The value of the request's cookie `name`, if it has a non-empty one.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{client_key, forwarded_client};

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwarded_for_someone() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // No trusted proxy: the header is ignored.
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["198.51.100.1"], &[]),
            ip("10.0.0.5")
        );
        // Through two trusted proxies: the first untrusted from the right.
        assert_eq!(
            forwarded_client(
                ip("10.0.0.5"),
                &["1.1.1.1", " 198.51.100.1", "10.0.0.9"],
                &trusted
            ),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last trusted proxy.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["nonsense"], &trusted),
            ip("10.0.0.5")
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
        // Hops written with ports or brackets.
        for hop in ["198.51.100.1:4711", "[2001:db8::1]", "[2001:db8::1]:443"] {
            assert_ne!(
                forwarded_client(ip("10.0.0.5"), &[hop], &trusted),
                ip("10.0.0.5"),
                "{hop}"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(client_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(client_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
    }
}
