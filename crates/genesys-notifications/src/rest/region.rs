//! Genesys Cloud regions and the base URLs derived from them.

use std::fmt;
use std::str::FromStr;

use url::Url;

macro_rules! regions {
    ($( $variant:ident => $key:literal, $domain:literal; )*) => {
        /// A Genesys Cloud region (the 18 regions of the official SDKs).
        ///
        /// A region is known by its SDK key (`us_east_1`), the same key with dashes
        /// (`us-east-1`), or its domain (`mypurecloud.com`); [`FromStr`] accepts all three.
        ///
        /// ```
        /// use genesys_notifications::rest::Region;
        ///
        /// let region: Region = "eu-west-1".parse()?;
        /// assert_eq!(region, Region::EuWest1);
        /// assert_eq!(region.domain(), "mypurecloud.ie");
        /// assert_eq!(region.api_base(), "https://api.mypurecloud.ie");
        /// assert_eq!(region.login_base(), "https://login.mypurecloud.ie");
        /// # Ok::<(), genesys_notifications::rest::UnknownRegion>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Region {
            $(
                #[doc = concat!("`", $key, "`: `", $domain, "`")]
                $variant,
            )*
        }

        impl Region {
            /// Every known region, in the SDKs' order.
            pub const ALL: &'static [Region] = &[$(Region::$variant),*];

            /// The SDK key, e.g. `us_east_1`.
            pub fn key(self) -> &'static str {
                match self {
                    $(Region::$variant => $key,)*
                }
            }

            /// The region's domain, e.g. `mypurecloud.com`.
            pub fn domain(self) -> &'static str {
                match self {
                    $(Region::$variant => $domain,)*
                }
            }
        }
    };
}

regions! {
    UsEast1 => "us_east_1", "mypurecloud.com";
    EuWest1 => "eu_west_1", "mypurecloud.ie";
    ApSoutheast2 => "ap_southeast_2", "mypurecloud.com.au";
    ApNortheast1 => "ap_northeast_1", "mypurecloud.jp";
    EuCentral1 => "eu_central_1", "mypurecloud.de";
    UsWest2 => "us_west_2", "usw2.pure.cloud";
    CaCentral1 => "ca_central_1", "cac1.pure.cloud";
    ApNortheast2 => "ap_northeast_2", "apne2.pure.cloud";
    EuWest2 => "eu_west_2", "euw2.pure.cloud";
    ApSouth1 => "ap_south_1", "aps1.pure.cloud";
    UsEast2 => "us_east_2", "use2.us-gov-pure.cloud";
    SaEast1 => "sa_east_1", "sae1.pure.cloud";
    MeCentral1 => "me_central_1", "mec1.pure.cloud";
    ApNortheast3 => "ap_northeast_3", "apne3.pure.cloud";
    EuCentral2 => "eu_central_2", "euc2.pure.cloud";
    MxCentral1 => "mx_central_1", "mxc1.pure.cloud";
    ApSoutheast1 => "ap_southeast_1", "apse1.pure.cloud";
    EuscDeEast1 => "eusc_de_east_1", "edee1.eusc-pure.cloud";
}

impl Region {
    /// The REST API base URL, `https://api.<domain>`.
    pub fn api_base(self) -> String {
        format!("https://api.{}", self.domain())
    }

    /// The OAuth base URL, `https://login.<domain>`.
    pub fn login_base(self) -> String {
        format!("https://login.{}", self.domain())
    }

    /// Looks a region up by SDK key (`us_east_1` or `us-east-1`, any case) or by domain
    /// (`mypurecloud.com`, also accepted with a leading `https://`, `api.` or `login.`).
    pub fn lookup(name: &str) -> Option<Region> {
        let name = name.trim().trim_end_matches('/');
        let name = name
            .strip_prefix("https://")
            .or_else(|| name.strip_prefix("http://"))
            .unwrap_or(name);
        let name = name
            .strip_prefix("api.")
            .or_else(|| name.strip_prefix("login."))
            .unwrap_or(name);
        Region::ALL.iter().copied().find(|region| {
            region.domain().eq_ignore_ascii_case(name)
                || region.key().eq_ignore_ascii_case(name)
                || region.key().replace('_', "-").eq_ignore_ascii_case(name)
        })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The error returned when a string names no known region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRegion {
    name: String,
}

impl UnknownRegion {
    /// The name that was not recognised.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown Genesys Cloud region {:?} (expected an SDK key such as `us_east_1` or a domain such as `mypurecloud.com`)",
            self.name
        )
    }
}

impl std::error::Error for UnknownRegion {}

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::lookup(s).ok_or_else(|| UnknownRegion { name: s.to_owned() })
    }
}

/// Where the REST API and the OAuth token endpoint live.
///
/// Usually built from a [`Region`]; [`Environment::custom`] points both at any base URLs
/// (the simulator serves `/oauth/token` and `/api/v2` on one base URL).
///
/// The client secret and the access tokens travel to these URLs, so plain `http://` is
/// refused unless the host is a loopback address or `localhost` (a local simulator or proxy);
/// [`Environment::danger_custom_plain_http`] lifts that check.
///
/// ```
/// use genesys_notifications::rest::{Environment, Region};
///
/// let cloud = Environment::from(Region::UsEast1);
/// assert_eq!(cloud.api_base().as_str(), "https://api.mypurecloud.com/");
/// assert_eq!(cloud.token_url().as_str(), "https://login.mypurecloud.com/oauth/token");
///
/// let local = Environment::local("http://127.0.0.1:8080")?;
/// assert_eq!(local.token_url().as_str(), "http://127.0.0.1:8080/oauth/token");
/// # Ok::<(), genesys_notifications::rest::InvalidBaseUrl>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    region: Option<Region>,
    api_base: Url,
    login_base: Url,
}

/// The error returned when a custom base URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBaseUrl {
    url: String,
    reason: &'static str,
}

impl fmt::Display for InvalidBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid base URL {:?}: {}", self.url, self.reason)
    }
}

impl std::error::Error for InvalidBaseUrl {}

fn parse_base(url: &str, allow_plain_http: bool) -> Result<Url, InvalidBaseUrl> {
    let invalid = |reason| InvalidBaseUrl {
        url: url.to_owned(),
        reason,
    };
    let mut parsed = Url::parse(url).map_err(|_| invalid("not an absolute URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Never echo a password back in an error message.
        let _ = parsed.set_password(None);
        let _ = parsed.set_username("");
        return Err(InvalidBaseUrl {
            url: parsed.to_string(),
            reason: "credentials do not belong in a base URL",
        });
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    let Some(host) = parsed.host().filter(|_| !parsed.cannot_be_a_base()) else {
        return Err(invalid("the URL has no host"));
    };
    if parsed.scheme() == "http" && !allow_plain_http && !crate::uri::is_loopback(&host) {
        return Err(invalid(
            "plain http:// to a host that is not loopback would send the client secret and \
             access tokens in clear: use https:// (or Environment::danger_custom_plain_http)",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    // Joining relative paths needs a trailing slash.
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

impl Environment {
    /// The environment of a Genesys Cloud region.
    pub fn region(region: Region) -> Self {
        Environment::from(region)
    }

    /// Custom base URLs for the REST API (`<api_base>/api/v2/...`) and for OAuth
    /// (`<login_base>/oauth/token`).
    ///
    /// # Errors
    ///
    /// [`InvalidBaseUrl`] when a URL is not an absolute `http`/`https` URL with a host, has
    /// credentials, a query or a fragment, or is plain `http://` to a host that is not
    /// loopback.
    ///
    /// ```
    /// use genesys_notifications::rest::Environment;
    ///
    /// assert!(Environment::custom("https://api.example.com", "https://login.example.com").is_ok());
    /// assert!(Environment::custom("http://localhost:8080", "http://127.0.0.1:8080").is_ok());
    /// // The client secret would travel in clear:
    /// assert!(Environment::custom("http://api.example.com", "http://login.example.com").is_err());
    /// ```
    pub fn custom(api_base: &str, login_base: &str) -> Result<Self, InvalidBaseUrl> {
        Ok(Environment {
            region: None,
            api_base: parse_base(api_base, false)?,
            login_base: parse_base(login_base, false)?,
        })
    }

    /// Like [`Environment::custom`], but also accepts plain `http://` to any host. Anyone on
    /// the path then reads the client secret and the access tokens: use it only on a network
    /// you trust completely (a test rig, a TLS-terminating sidecar).
    ///
    /// # Errors
    ///
    /// As [`Environment::custom`], except for the plain-http check.
    pub fn danger_custom_plain_http(
        api_base: &str,
        login_base: &str,
    ) -> Result<Self, InvalidBaseUrl> {
        Ok(Environment {
            region: None,
            api_base: parse_base(api_base, true)?,
            login_base: parse_base(login_base, true)?,
        })
    }

    /// One base URL serving both the REST API and OAuth, as the simulator does.
    pub fn local(base: &str) -> Result<Self, InvalidBaseUrl> {
        Environment::custom(base, base)
    }

    /// The region, when built from one.
    pub fn region_of(&self) -> Option<Region> {
        self.region
    }

    /// The REST API base URL (always ends with `/`).
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    /// The OAuth base URL (always ends with `/`).
    pub fn login_base(&self) -> &Url {
        &self.login_base
    }

    /// The client-credentials token endpoint, `<login_base>/oauth/token`.
    pub fn token_url(&self) -> Url {
        let mut url = self.login_base.clone();
        extend_path(&mut url, &["oauth", "token"]);
        url
    }

    /// `<api_base>/api/v2/<segments...>`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.api_base.clone();
        let mut all = vec!["api", "v2"];
        all.extend_from_slice(segments);
        extend_path(&mut url, &all);
        url
    }
}

fn extend_path(url: &mut Url, segments: &[&str]) {
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
}

impl From<Region> for Environment {
    fn from(region: Region) -> Self {
        let api = Url::parse(&format!("https://api.{}/", region.domain()));
        let login = Url::parse(&format!("https://login.{}/", region.domain()));
        match (api, login) {
            (Ok(api_base), Ok(login_base)) => Environment {
                region: Some(region),
                api_base,
                login_base,
            },
            // Every domain in the table is a valid host name (see the tests).
            _ => unreachable!("region domains are valid host names"),
        }
    }
}

impl FromStr for Environment {
    type Err = UnknownRegion;

    /// A region name or domain (see [`Region::lookup`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Region>().map(Environment::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn eighteen_regions_with_distinct_keys_and_domains() {
        assert_eq!(Region::ALL.len(), 18);
        let mut keys: Vec<_> = Region::ALL.iter().map(|r| r.key()).collect();
        let mut domains: Vec<_> = Region::ALL.iter().map(|r| r.domain()).collect();
        keys.sort_unstable();
        keys.dedup();
        domains.sort_unstable();
        domains.dedup();
        assert_eq!(keys.len(), 18);
        assert_eq!(domains.len(), 18);
        for region in Region::ALL {
            let env = Environment::from(*region);
            assert_eq!(env.region_of(), Some(*region));
            assert_eq!(
                env.api_base().as_str(),
                format!("https://api.{}/", region.domain())
            );
        }
    }

    #[test]
    fn lookup_by_key_dashes_domain_and_host() {
        for region in Region::ALL {
            assert_eq!(region.key().parse::<Region>(), Ok(*region));
            assert_eq!(
                region.key().replace('_', "-").parse::<Region>(),
                Ok(*region)
            );
            assert_eq!(region.key().to_uppercase().parse::<Region>(), Ok(*region));
            assert_eq!(region.domain().parse::<Region>(), Ok(*region));
            assert_eq!(Region::lookup(&region.api_base()), Some(*region));
            assert_eq!(Region::lookup(&region.login_base()), Some(*region));
        }
        assert_eq!(
            Region::lookup("use2.us-gov-pure.cloud"),
            Some(Region::UsEast2)
        );
        assert_eq!(Region::lookup("eusc-de-east-1"), Some(Region::EuscDeEast1));
        let err = "mars_north_1".parse::<Region>().unwrap_err();
        assert_eq!(err.name(), "mars_north_1");
        assert!(err.to_string().contains("mars_north_1"));
    }

    #[test]
    fn urls_of_a_region() {
        let env = Environment::from(Region::ApSoutheast2);
        assert_eq!(
            env.token_url().as_str(),
            "https://login.mypurecloud.com.au/oauth/token"
        );
        assert_eq!(
            env.api_url(&["notifications", "channels", "a/b c"])
                .as_str(),
            "https://api.mypurecloud.com.au/api/v2/notifications/channels/a%2Fb%20c"
        );
    }

    #[test]
    fn custom_base_urls() {
        let env =
            Environment::custom("http://127.0.0.1:9000/prefix", "https://login.example").unwrap();
        assert_eq!(env.region_of(), None);
        assert_eq!(
            env.api_url(&["notifications", "availabletopics"]).as_str(),
            "http://127.0.0.1:9000/prefix/api/v2/notifications/availabletopics"
        );
        assert_eq!(
            env.token_url().as_str(),
            "https://login.example/oauth/token"
        );
        let local = Environment::local("http://127.0.0.1:9000/").unwrap();
        assert_eq!(
            local.token_url().as_str(),
            "http://127.0.0.1:9000/oauth/token"
        );
        for bad in ["127.0.0.1:9000", "ftp://x", "not a url", "http://host/?q=1"] {
            let err = Environment::local(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
        for remote in [
            "http://api.example.com",
            "http://10.0.0.1:8080",
            "http://[2001:db8::1]/",
        ] {
            let err = Environment::local(remote).unwrap_err();
            assert!(err.to_string().contains("in clear"), "{err}");
            assert!(Environment::danger_custom_plain_http(remote, remote).is_ok());
        }
        for local in [
            "http://localhost:1",
            "http://a.localhost",
            "http://[::1]:9",
            "http://127.0.0.2",
        ] {
            assert!(Environment::local(local).is_ok(), "{local}");
        }
        assert!(
            Environment::custom("https://api.example.com", "http://login.example.com").is_err(),
            "both URLs are checked"
        );
        let err = Environment::local("http://user:hunter2@host").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    }
}
