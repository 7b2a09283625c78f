//! Where the REST API is and who we are: region or base URLs, and OAuth client credentials.
//!
//! The environment variables are the ones Genesys' own CLI and Terraform provider read. The
//! client secret is held as a [`Secret`] (redacted in `Debug`), and `--help` never shows the
//! value of its environment variable.

use std::convert::Infallible;

use genesys_notifications::rest::{Credentials, Environment, Region, RestClient, Secret};

use crate::exit::usage;

/// REST API location and OAuth client credentials.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ApiArgs {
    /// Genesys Cloud region of the org: a region name (`us-east-1`, `eu_west_1`) or its
    /// domain (`mypurecloud.ie`).
    #[arg(
        long,
        env = "GENESYSCLOUD_REGION",
        value_name = "REGION",
        global = true
    )]
    region: Option<String>,
    /// Base URL of the REST API, instead of a region: a private endpoint, or the simulator
    /// (`http://127.0.0.1:PORT`). Takes precedence over --region.
    #[arg(long, value_name = "URL", global = true)]
    api_base: Option<String>,
    /// Base URL of the OAuth login service, with --api-base. Default: the API base with a
    /// leading `api.` replaced by `login.`, or the API base itself (as the simulator serves
    /// both).
    #[arg(long, value_name = "URL", requires = "api_base", global = true)]
    login_base: Option<String>,
    /// OAuth client id (client-credentials grant).
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_ID",
        value_name = "ID",
        global = true
    )]
    client_id: Option<String>,
    /// OAuth client secret. Prefer the environment variable: command-line arguments are
    /// visible to other local users. Never printed, logged or echoed.
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        global = true,
        value_parser = parse_secret
    )]
    client_secret: Option<Secret>,
}

fn parse_secret(value: &str) -> Result<Secret, Infallible> {
    Ok(Secret::new(value))
}

impl ApiArgs {
    /// Whether any way to reach the API was given.
    pub(crate) fn has_location(&self) -> bool {
        self.region.is_some() || self.api_base.is_some()
    }

    /// The environment: `--api-base` (with an optional `--login-base`) or `--region`.
    pub(crate) fn environment(&self) -> anyhow::Result<Environment> {
        if let Some(api) = &self.api_base {
            let login = match &self.login_base {
                Some(login) => login.clone(),
                None => default_login_base(api),
            };
            return Environment::custom(api, &login).map_err(|e| usage(e.to_string()));
        }
        let Some(region) = &self.region else {
            return Err(usage(
                "no Genesys Cloud location: give --region (or GENESYSCLOUD_REGION) or --api-base",
            ));
        };
        region
            .parse::<Region>()
            .map(Environment::from)
            .map_err(|e| usage(e.to_string()))
    }

    /// The client credentials from the flags or the environment.
    pub(crate) fn credentials(&self) -> anyhow::Result<Credentials> {
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(Credentials::client_credentials(id.clone(), secret.clone()))
            }
            _ => Err(usage(
                "no OAuth client credentials: give --client-id and --client-secret \
                 (or GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET)",
            )),
        }
    }

    /// A REST client for the environment and credentials.
    pub(crate) fn rest_client(&self) -> anyhow::Result<RestClient> {
        let env = self.environment()?;
        let credentials = self.credentials()?;
        Ok(RestClient::new(env, credentials)?)
    }
}

/// `https://api.X` → `https://login.X`; anything else serves both.
fn default_login_base(api: &str) -> String {
    for scheme in ["https://", "http://"] {
        if let Some(rest) = api.strip_prefix(scheme)
            && let Some(host) = rest.strip_prefix("api.")
        {
            return format!("{scheme}login.{host}");
        }
    }
    api.to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn login_base_follows_the_api_base() {
        assert_eq!(
            default_login_base("https://api.mypurecloud.ie"),
            "https://login.mypurecloud.ie"
        );
        assert_eq!(
            default_login_base("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn secret_is_redacted_in_debug() {
        let args = ApiArgs {
            region: Some("us-east-1".into()),
            api_base: None,
            login_base: None,
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("hunter2")),
        };
        assert!(!format!("{args:?}").contains("hunter2"));
        assert!(args.rest_client().is_ok());
    }
}
