//! Configuration: defaults < `mamori.toml` (or `--config FILE`) < `MAMORI_*`
//! environment variables < command-line flags. Secrets are redacted in Debug.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER:PASS@HOST/DB`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Served over TLS (directly or behind a TLS proxy): Secure cookies, HSTS.
    pub secure: bool,
    /// Behind a reverse proxy: trust `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// The organisation's name in the page header.
    pub organisation: String,
    /// `text` or `json` logs.
    pub log_format: String,
    /// This node is one of several sharing the database (PostgreSQL only).
    pub cluster: bool,
    /// Where people reach mamori, for links in e-mail (e.g. https://isms.example.jp).
    pub base_url: String,
    /// SMTP server: smtp://host:port, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465.
    pub smtp_url: String,
    /// Instead of `smtp_url`: host, port, `none` / `starttls` / `tls`, credentials.
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    pub smtp_security: String,
    pub smtp_user: String,
    pub smtp_password: String,
    /// Sender of mamori's e-mail, e.g. `mamori <isms@example.jp>`.
    pub mail_from: String,
    /// Run the scheduler and the mail worker on this node.
    pub jobs: bool,
    /// The company's own copy of the policy pack (a folder of `<DOC>.toml`
    /// files like `policy/pack/`); empty = the pack shipped with mamori.
    pub policy_dir: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://mamori.db".into(),
            listen: "127.0.0.1:8080".into(),
            secure: false,
            trust_proxy: false,
            organisation: "mamori".into(),
            log_format: "text".into(),
            cluster: false,
            base_url: String::new(),
            smtp_url: String::new(),
            smtp_host: String::new(),
            smtp_port: None,
            smtp_security: "starttls".into(),
            smtp_user: String::new(),
            smtp_password: String::new(),
            mail_from: "mamori <mamori@localhost>".into(),
            jobs: true,
            policy_dir: String::new(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &mamori_store::redact_url(&self.database_url),
            )
            .field("listen", &self.listen)
            .field("secure", &self.secure)
            .field("trust_proxy", &self.trust_proxy)
            .field("organisation", &self.organisation)
            .field("log_format", &self.log_format)
            .field("cluster", &self.cluster)
            .field("base_url", &self.base_url)
            .field(
                "smtp_url",
                &mamori_store::redact_url(&self.effective_smtp_url()),
            )
            .field("mail_from", &self.mail_from)
            .field("jobs", &self.jobs)
            .field("policy_dir", &self.policy_dir)
            .finish()
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(f.exists(), "configuration file {} not found", f.display());
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("mamori.toml")),
        }
        Ok(fig
            .merge(Env::prefixed("MAMORI_").ignore(&["test_pg_url"]))
            .extract()?)
    }

    /// The base URL for links: configured, or the listening address.
    pub fn base_url_or(&self, addr: std::net::SocketAddr) -> String {
        if self.base_url.is_empty() {
            format!("http://{addr}")
        } else {
            self.base_url.trim_end_matches('/').to_string()
        }
    }

    /// The SMTP server as one URL: `smtp_url`, or built from the separate keys.
    pub fn effective_smtp_url(&self) -> String {
        if !self.smtp_url.is_empty() || self.smtp_host.is_empty() {
            return self.smtp_url.clone();
        }
        let scheme = match self.smtp_security.as_str() {
            "none" => "smtp",
            "tls" => "smtps",
            _ => "smtp+starttls",
        };
        let auth = if self.smtp_user.is_empty() {
            String::new()
        } else {
            format!(
                "{}:{}@",
                encode(&self.smtp_user),
                encode(&self.smtp_password)
            )
        };
        let port = self.smtp_port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{scheme}://{auth}{}{port}", self.smtp_host)
    }

    /// A SQLite database cannot be shared by several nodes.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.cluster && self.database_url.starts_with("sqlite:") {
            anyhow::bail!(
                "cluster mode needs PostgreSQL: a SQLite database cannot be shared by several nodes"
            );
        }
        Ok(())
    }
}

/// Percent-encodes a URL user-info part.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Config {
            database_url: "postgres://mamori:topsecret@db/mamori".into(),
            ..Config::default()
        };
        let text = format!("{c:?}");
        assert!(!text.contains("topsecret"), "{text}");
        assert!(text.contains("mamori:***@db"));
    }

    #[test]
    fn smtp_url_is_built_from_separate_keys() {
        let c = Config {
            smtp_host: "mail.example.jp".into(),
            smtp_port: Some(587),
            smtp_user: "isms@example.jp".into(),
            smtp_password: "p@ss:word".into(),
            ..Config::default()
        };
        assert_eq!(
            c.effective_smtp_url(),
            "smtp+starttls://isms%40example.jp:p%40ss%3Aword@mail.example.jp:587"
        );
        let tls = Config {
            smtp_host: "mx".into(),
            smtp_security: "tls".into(),
            ..Config::default()
        };
        assert_eq!(tls.effective_smtp_url(), "smtps://mx");
        let url = Config {
            smtp_url: "smtp://127.0.0.1:2525".into(),
            smtp_host: "ignored".into(),
            ..Config::default()
        };
        assert_eq!(url.effective_smtp_url(), "smtp://127.0.0.1:2525");
        assert!(!format!("{c:?}").contains("word"));
    }

    #[test]
    fn cluster_on_sqlite_is_refused() {
        let c = Config {
            cluster: true,
            ..Config::default()
        };
        assert!(c.check().is_err());
        let c = Config {
            cluster: true,
            database_url: "postgres://db/m".into(),
            ..Config::default()
        };
        assert!(c.check().is_ok());
    }
}
