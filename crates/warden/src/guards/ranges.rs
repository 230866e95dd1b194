//! Sets of IP networks in CIDR notation, IPv4 and IPv6, on `ipnet`.

use std::net::IpAddr;

use ipnet::IpNet;

/// A network in CIDR notation, or a bare address for one host; host bits are cleared
/// (`192.0.2.7/24` is `192.0.2.0/24`) and IPv4-mapped IPv6 networks are not rewritten.
pub(crate) fn parse_range(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| {
            format!("{text:?} is not an IP network in CIDR notation (10.0.0.0/8, fd00::/8)")
        })
}

/// A set of networks. Matching is a linear scan: the lists are short (a few proxies, a
/// blocklist of tens), and a scan of a few prefixes costs less than a lookup structure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ranges(Vec<IpNet>);

impl Ranges {
    /// Parses every entry, or names every one that is not a network.
    pub(crate) fn parse<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, Vec<String>> {
        let mut nets = Vec::new();
        let mut problems = Vec::new();
        for text in texts {
            match parse_range(text) {
                Ok(net) => nets.push(net),
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(Self(nets))
        } else {
            Err(problems)
        }
    }

    pub(crate) fn from_nets(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is in one of the networks (IPv4-mapped IPv6 addresses count as IPv4).
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_v4_and_v6() {
        let ranges = Ranges::parse(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]).unwrap();
        for inside in ["10.1.2.3", "2001:db8::1", "192.0.2.7", "::ffff:10.0.0.1"] {
            assert!(ranges.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["11.0.0.1", "2001:db9::1", "192.0.2.8", "::1"] {
            assert!(!ranges.contains(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn bad_ranges_are_all_named() {
        let problems = Ranges::parse(["10.0.0.0/33", "10.0.0.0/8", "nope"]).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert!(problems[0].contains("10.0.0.0/33"));
        assert_eq!(
            parse_range(" 192.0.2.7/24 ").unwrap().to_string(),
            "192.0.2.0/24"
        );
    }
}
