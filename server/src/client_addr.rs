//! Who the client is behind a reverse proxy. The deployment ends TLS at the county's proxy, so the
//! TCP peer of nearly every request is the proxy; only a peer listed in `TRUSTED_PROXIES` is
//! believed about the client it forwards for (`X-Forwarded-For` or RFC 7239 `Forwarded`), and
//! from it only the right-most hop that is not itself a trusted proxy: everything to the left of
//! it was written by the client and proves nothing (OWASP ASVS 5.0 4.1.3, 15.3.4).
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// Which header the trusted proxies write the client into (`TRUSTED_PROXY_HEADER`). Exactly one
/// is read: the other reaches the app as the client sent it, so reading both would let a client
/// choose its address through the one the proxy leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx's `$proxy_add_x_forwarded_for`).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1;proto=https`.
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ForwardedHeader::XForwardedFor),
            "forwarded" => Some(ForwardedHeader::Forwarded),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }
}

/// The reverse proxies whose word about the client is taken (`TRUSTED_PROXIES`; none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Comma-separated addresses and CIDR networks (`10.0.0.5, 10.1.0.0/16, ::1`); an empty list
    /// trusts nobody. A value that is neither is an error naming it.
    pub fn parse(list: &str, header: ForwardedHeader) -> Result<Self, String> {
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let network = match item.parse::<IpNet>() {
                Ok(network) => network,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(address) => IpNet::from(address.to_canonical()),
                    Err(_) => {
                        return Err(format!(
                            "`{item}` is not an IP address or a CIDR network \
                             (e.g. 10.0.0.5, 10.1.0.0/16, fd00::/8)"
                        ));
                    }
                },
            };
            networks.push(network.trunc());
        }
        Ok(TrustedProxies { networks, header })
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.networks.iter().any(|n| n.contains(&address))
    }

    /// The client of a request whose TCP peer is `peer`: the peer itself unless it is trusted;
    /// then the right-most hop of the forwarded chain that is not trusted (or the left-most hop
    /// when all are). A missing header, or a malformed hop reached before the client is found,
    /// leaves the peer: a chain that cannot be read proves nothing.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let values: Vec<&str> = headers
            .get_all(self.header.name())
            .iter()
            .map(|v| v.to_str().ok())
            .collect::<Option<_>>()
            .unwrap_or_default();
        let hops = values.iter().flat_map(|v| v.split(','));
        let mut nearest_trusted = None;
        for hop in hops.collect::<Vec<_>>().into_iter().rev() {
            let hop = match self.header {
                ForwardedHeader::XForwardedFor => node(hop),
                ForwardedHeader::Forwarded => forwarded_for(hop),
            };
            match hop {
                None => return peer,
                Some(address) if self.trusts(address) => nearest_trusted = Some(address),
                Some(address) => return address,
            }
        }
        nearest_trusted.unwrap_or(peer)
    }
}

/// One hop of a chain as proxies write it: an address, optionally quoted, bracketed (IPv6) or
/// with a port (`203.0.113.7`, `"[2001:db8::1]:4711"`, `198.51.100.2:80`). Obfuscated and
/// `unknown` nodes (RFC 7239 §6) are not addresses.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| p.parse::<u16>().is_ok());
        return port_ok
            .then(|| inside.parse::<std::net::Ipv6Addr>().ok())
            .flatten()
            .map(|a| IpAddr::V6(a).to_canonical());
    }
    let (host, port) = text.split_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The `for=` node of one element of an RFC 7239 `Forwarded` header (`for=…;proto=https`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| node(value))
            .flatten()
    })
}

/// The key the sign-in and token limiters count a client under: an IPv4 address as it is, an
/// IPv6 address by its /64 network, which one subscriber usually holds whole (so a client cannot
/// step through its own network's addresses to get a fresh allowance each time).
pub fn limiter_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::from([
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ])
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list, ForwardedHeader::XForwardedFor).unwrap()
    }

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(name, HeaderValue::from_static(v));
        }
        map
    }

    fn xff(values: &[&'static str]) -> HeaderMap {
        headers("x-forwarded-for", values)
    }

    #[test]
    fn addresses_and_networks_are_read_and_anything_else_is_refused_by_name() {
        let list = trusted(" 10.0.0.5, 10.1.0.0/16 ,fd00::/8, ::ffff:192.0.2.1,");
        assert!(list.trusts(ip("10.0.0.5")));
        assert!(!list.trusts(ip("10.0.0.6")));
        assert!(list.trusts(ip("10.1.200.3")));
        assert!(list.trusts(ip("fd12::1")));
        assert!(
            list.trusts(ip("192.0.2.1")),
            "a mapped address is its IPv4 one"
        );
        assert!(list.trusts(ip("::ffff:10.0.0.5")), "and a mapped peer too");
        assert!(trusted("").is_empty());
        for bad in [
            "10.0.0.256",
            "proxy.county.example",
            "10.0.0.0/33",
            "10.0.0.5 10.0.0.6",
        ] {
            let error = TrustedProxies::parse(bad, ForwardedHeader::XForwardedFor).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let list = trusted("10.0.0.5");
        let forged = xff(&["198.51.100.9"]);
        assert_eq!(list.client(ip("203.0.113.7"), &forged), ip("203.0.113.7"));
        assert_eq!(trusted("").client(ip("10.0.0.5"), &forged), ip("10.0.0.5"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let list = trusted("10.0.0.0/24");
        let peer = ip("10.0.0.5");
        // The client's own forgery stands to the left of what the proxy appended.
        let chain = xff(&["192.0.2.66, 203.0.113.7"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
        // Inner proxies that are trusted are stepped over.
        let chain = xff(&["192.0.2.66, 203.0.113.7, 10.0.0.9"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
        // Several header lines are one list, in order.
        let chain = xff(&["192.0.2.66", "203.0.113.7"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
        // All hops trusted: the farthest.
        let chain = xff(&["10.0.0.8, 10.0.0.9"]);
        assert_eq!(list.client(peer, &chain), ip("10.0.0.8"));
        // Ports and brackets, as some proxies write them.
        let chain = xff(&["[2001:db8::7]:4711"]);
        assert_eq!(list.client(peer, &chain), ip("2001:db8::7"));
        let chain = xff(&["203.0.113.7:51234"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
    }

    #[test]
    fn a_missing_or_malformed_chain_leaves_the_peer() {
        let list = trusted("10.0.0.5");
        let peer = ip("10.0.0.5");
        assert_eq!(list.client(peer, &HeaderMap::new()), peer);
        for bad in [
            "",
            "unknown",
            "not-an-address",
            "203.0.113.7, garbage",
            "1.2.3.4:99999",
        ] {
            assert_eq!(list.client(peer, &xff(&[bad])), peer, "{bad}");
        }
        // Garbage to the left of the client is never read.
        let chain = xff(&["garbage, 203.0.113.7"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
    }

    #[test]
    fn the_forwarded_header_is_read_when_configured_and_only_then() {
        let list = TrustedProxies::parse("10.0.0.5", ForwardedHeader::Forwarded).unwrap();
        let peer = ip("10.0.0.5");
        let chain = headers(
            "forwarded",
            &["for=192.0.2.66, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.5"],
        );
        assert_eq!(list.client(peer, &chain), ip("2001:db8:cafe::17"));
        let chain = headers("forwarded", &["For=203.0.113.7;proto=http"]);
        assert_eq!(list.client(peer, &chain), ip("203.0.113.7"));
        for bad in [
            "for=_hidden",
            "for=unknown",
            "proto=https",
            "for=\"[2001:db8::1\"",
        ] {
            assert_eq!(
                list.client(peer, &headers("forwarded", &[bad])),
                peer,
                "{bad}"
            );
        }
        // X-Forwarded-For, which this proxy does not write, is the client's own say.
        assert_eq!(list.client(peer, &xff(&["203.0.113.7"])), peer);
        // And the other way round.
        let list = trusted("10.0.0.5");
        let chain = headers("forwarded", &["for=203.0.113.7"]);
        assert_eq!(list.client(peer, &chain), peer);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        assert_eq!(
            limiter_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limiter_key(ip("2001:db8:1:2::1")),
            limiter_key(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            limiter_key(ip("2001:db8:1:2::1")),
            limiter_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limiter_key(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(limiter_key(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
    }
}
