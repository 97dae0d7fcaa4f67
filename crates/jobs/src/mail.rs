//! E-mail delivery over SMTP: the production [`Mailer`].
//!
//! The server is named by one URL:
//!
//! | URL                                   | Transport                         | Default port |
//! |---------------------------------------|-----------------------------------|--------------|
//! | `smtp://host[:port]`                  | plain text, no TLS, no credentials (local relays, test servers) | 25 |
//! | `smtp+starttls://[user:pass@]host[:port]` | STARTTLS, required (never falls back to plain text) | 587 |
//! | `smtps://[user:pass@]host[:port]`     | implicit TLS (SMTPS)              | 465          |
//!
//! User and password are percent-decoded (`%40` for `@`, `%3A` for `:`).
//! Credentials are refused on `smtp://`: they would cross the network in
//! clear text. TLS uses rustls with the Mozilla roots (webpki-roots); no
//! OpenSSL is involved.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mamori_app::ports::{Mailer, OutgoingMail};

/// Time allowed for connecting and for each SMTP command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// Time allowed for a whole delivery (connect, TLS, auth, data, quit).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and as whom mail is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `smtp://`, `smtp+starttls://` or `smtps://` URL (see the module docs).
    pub url: String,
    /// The From mailbox: `isms@example.jp` or `mamori <isms@example.jp>`.
    pub from: String,
}

impl SmtpConfig {
    /// The URL with any password replaced by `***`, safe for logs.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.redacted_url())
            .field("from", &self.from)
            .finish()
    }
}

/// Replaces the password part of `scheme://user:password@host` by `***`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL we understand; it may still hold a secret.
        return if url.contains('@') {
            "***".to_string()
        } else {
            url.to_string()
        };
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:***"),
                None => userinfo.to_string(),
            };
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// Why an SMTP configuration was refused. Messages never contain the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailConfigError {
    #[error("the SMTP URL is empty")]
    EmptyUrl,
    #[error("the SMTP URL is malformed: {0}")]
    MalformedUrl(&'static str),
    #[error(
        "unsupported SMTP URL scheme `{0}`: use smtp:// (plain, local relays only), smtp+starttls:// or smtps://"
    )]
    UnsupportedScheme(String),
    #[error("the SMTP URL has no host")]
    MissingHost,
    #[error("the SMTP URL has an invalid port `{0}` (expected 1-65535)")]
    InvalidPort(String),
    #[error("the SMTP URL credentials are not valid percent-encoded UTF-8")]
    InvalidCredentials,
    #[error("the SMTP URL credentials need both a user and a password (`user:password@host`)")]
    IncompleteCredentials,
    #[error(
        "credentials are not allowed with smtp:// (they would be sent in clear text): use smtp+starttls:// or smtps://"
    )]
    CredentialsWithoutTls,
    #[error("the sender address `{from}` is not a valid mailbox: {reason}")]
    InvalidFrom { from: String, reason: String },
    #[error("cannot set up TLS for `{host}`: {reason}")]
    Tls { host: String, reason: String },
}

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text (`smtp://`).
    None,
    /// STARTTLS, required (`smtp+starttls://`).
    StartTls,
    /// Implicit TLS (`smtps://`).
    Tls,
}

impl Security {
    fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// A parsed SMTP URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SmtpEndpoint {
    pub(crate) security: Security,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpEndpoint")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

fn percent_decode(s: &str) -> Result<String, MailConfigError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(MailConfigError::InvalidCredentials)?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| MailConfigError::InvalidCredentials)
}

pub(crate) fn parse_url(url: &str) -> Result<SmtpEndpoint, MailConfigError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(MailConfigError::EmptyUrl);
    }
    let (scheme, rest) = url.split_once("://").ok_or(MailConfigError::MalformedUrl(
        "expected scheme://host[:port]",
    ))?;
    let security = match scheme.to_ascii_lowercase().as_str() {
        "smtp" => Security::None,
        "smtp+starttls" => Security::StartTls,
        "smtps" => Security::Tls,
        _ => return Err(MailConfigError::UnsupportedScheme(scheme.to_string())),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if !(tail.is_empty() || tail == "/") {
        return Err(MailConfigError::MalformedUrl(
            "an SMTP URL takes no path, query or fragment",
        ));
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let credentials = match userinfo {
        None => None,
        Some(u) => {
            let (user, pass) = u
                .split_once(':')
                .ok_or(MailConfigError::IncompleteCredentials)?;
            let (user, pass) = (percent_decode(user)?, percent_decode(pass)?);
            if user.is_empty() || pass.is_empty() {
                return Err(MailConfigError::IncompleteCredentials);
            }
            Some((user, pass))
        }
    };
    if credentials.is_some() && security == Security::None {
        return Err(MailConfigError::CredentialsWithoutTls);
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or(MailConfigError::MalformedUrl(
            "unclosed `[` in the IPv6 host",
        ))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or(MailConfigError::MalformedUrl("unexpected text after `]`"))?,
            ),
        };
        (host, port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(MailConfigError::MissingHost);
    }
    if host.contains(|c: char| c.is_whitespace() || c == '%') {
        return Err(MailConfigError::MalformedUrl(
            "the host contains invalid characters",
        ));
    }
    let port = match port {
        None => security.default_port(),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n != 0 => n,
            _ => return Err(MailConfigError::InvalidPort(p.to_string())),
        },
    };
    Ok(SmtpEndpoint {
        security,
        host: host.to_string(),
        port,
        credentials,
    })
}

/// Builds the production mailer; checks the URL and the From address.
pub fn smtp_mailer(cfg: &SmtpConfig) -> Result<SmtpMailer, MailConfigError> {
    let endpoint = parse_url(&cfg.url)?;
    let from: Mailbox = cfg
        .from
        .trim()
        .parse()
        .map_err(
            |e: lettre::address::AddressError| MailConfigError::InvalidFrom {
                from: cfg.from.clone(),
                reason: e.to_string(),
            },
        )?;
    let tls_error = |e: lettre::transport::smtp::Error| MailConfigError::Tls {
        host: endpoint.host.clone(),
        reason: e.to_string(),
    };
    let tls = match endpoint.security {
        Security::None => Tls::None,
        Security::StartTls => {
            Tls::Required(TlsParameters::new(endpoint.host.clone()).map_err(tls_error)?)
        }
        Security::Tls => {
            Tls::Wrapper(TlsParameters::new(endpoint.host.clone()).map_err(tls_error)?)
        }
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(endpoint.host.clone())
            .port(endpoint.port)
            .tls(tls)
            .timeout(Some(COMMAND_TIMEOUT));
    if let Some((user, pass)) = &endpoint.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(SmtpMailer {
        transport: builder.build(),
        from,
        endpoint,
    })
}

/// Sends mail through one SMTP server (a new connection per message).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    endpoint: SmtpEndpoint,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// The Message-ID local part: the key restricted to `[A-Za-z0-9_+=-]`
/// (anything else becomes `-`), at most 128 characters.
pub fn message_id_for(dedupe_key: &str) -> String {
    let mut local: String = dedupe_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '=') {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if local.is_empty() {
        local.push_str("mail");
    }
    format!("<{local}@mamori>")
}

impl SmtpMailer {
    /// The message as it goes on the wire (public for inspection in tests).
    pub fn build_message(&self, mail: &OutgoingMail) -> Result<Message, String> {
        let to: Mailbox = mail
            .to
            .trim()
            .parse()
            .map_err(|e| format!("invalid recipient address `{}`: {e}", mail.to))?;
        let part = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(mail.body.clone());
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id_for(&mail.dedupe_key)))
            .singlepart(part)
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), String> {
        let message = self.build_message(mail)?;
        let server = format!("{}:{}", self.endpoint.host, self.endpoint.port);
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(response)) => {
                tracing::debug!(
                    server = %server,
                    dedupe_key = %mail.dedupe_key,
                    code = %response.code(),
                    "mail sent"
                );
                Ok(())
            }
            Ok(Err(e)) => Err(format!("SMTP delivery via {server} failed: {e}")),
            Err(_) => Err(format!(
                "SMTP delivery via {server} timed out after {} s",
                SEND_TIMEOUT.as_secs()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> SmtpConfig {
        SmtpConfig {
            url: url.to_string(),
            from: "mamori <isms@example.jp>".to_string(),
        }
    }

    #[test]
    fn plain_smtp_with_and_without_port() {
        let e = parse_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(e.security, Security::None);
        assert_eq!((e.host.as_str(), e.port), ("127.0.0.1", 2525));
        assert_eq!(e.credentials, None);
        let e = parse_url("smtp://relay.local").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("relay.local", 25));
        let e = parse_url("smtp://relay.local/").unwrap();
        assert_eq!(e.port, 25);
    }

    #[test]
    fn starttls_defaults_to_587_and_decodes_credentials() {
        let e = parse_url("smtp+starttls://isms%40example.jp:p%3Ass%2Fw@mail.example.jp").unwrap();
        assert_eq!(e.security, Security::StartTls);
        assert_eq!((e.host.as_str(), e.port), ("mail.example.jp", 587));
        assert_eq!(
            e.credentials,
            Some(("isms@example.jp".to_string(), "p:ss/w".to_string()))
        );
        let e = parse_url("SMTP+STARTTLS://mail.example.jp:2587").unwrap();
        assert_eq!(e.port, 2587);
        assert_eq!(e.credentials, None);
    }

    #[test]
    fn smtps_defaults_to_465() {
        let e = parse_url("smtps://u:p@smtp.example.jp").unwrap();
        assert_eq!(e.security, Security::Tls);
        assert_eq!((e.host.as_str(), e.port), ("smtp.example.jp", 465));
        assert_eq!(e.credentials, Some(("u".to_string(), "p".to_string())));
        let e = parse_url("smtps://smtp.example.jp:10465").unwrap();
        assert_eq!(e.port, 10465);
    }

    #[test]
    fn ipv6_hosts() {
        let e = parse_url("smtp://[::1]:2525").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 2525));
        let e = parse_url("smtp://[::1]").unwrap();
        assert_eq!(e.port, 25);
    }

    #[test]
    fn bad_urls_are_refused_with_clear_errors() {
        let err = parse_url("http://mail.example.jp").unwrap_err();
        assert_eq!(err, MailConfigError::UnsupportedScheme("http".to_string()));
        assert!(err.to_string().contains("smtp+starttls://"), "{err}");
        assert_eq!(parse_url("").unwrap_err(), MailConfigError::EmptyUrl);
        assert!(matches!(
            parse_url("mail.example.jp").unwrap_err(),
            MailConfigError::MalformedUrl(_)
        ));
        assert_eq!(
            parse_url("smtp://").unwrap_err(),
            MailConfigError::MissingHost
        );
        assert_eq!(
            parse_url("smtp://:25").unwrap_err(),
            MailConfigError::MissingHost
        );
        assert_eq!(
            parse_url("smtp://h:99999").unwrap_err(),
            MailConfigError::InvalidPort("99999".to_string())
        );
        assert_eq!(
            parse_url("smtp://h:0").unwrap_err(),
            MailConfigError::InvalidPort("0".to_string())
        );
        assert_eq!(
            parse_url("smtp://h:smtp").unwrap_err(),
            MailConfigError::InvalidPort("smtp".to_string())
        );
        assert!(matches!(
            parse_url("smtp://h:25/path").unwrap_err(),
            MailConfigError::MalformedUrl(_)
        ));
        assert_eq!(
            parse_url("smtp://u:p@h").unwrap_err(),
            MailConfigError::CredentialsWithoutTls
        );
        assert_eq!(
            parse_url("smtps://user@h").unwrap_err(),
            MailConfigError::IncompleteCredentials
        );
        assert_eq!(
            parse_url("smtps://u:%zz@h").unwrap_err(),
            MailConfigError::InvalidCredentials
        );
    }

    #[test]
    fn errors_never_echo_the_password() {
        for url in [
            "smtps://u:s3cret@h:99999",
            "smtps://u:s3cret@",
            "smtp://u:s3cret@h",
            "ftp://u:s3cret@h",
        ] {
            let err = parse_url(url).unwrap_err();
            assert!(!err.to_string().contains("s3cret"), "{url}: {err}");
        }
    }

    #[test]
    fn from_is_validated() {
        let m = smtp_mailer(&cfg("smtp://127.0.0.1:2525")).unwrap();
        assert_eq!(m.from.email.to_string(), "isms@example.jp");
        assert_eq!(m.from.name.as_deref(), Some("mamori"));
        let mut bad = cfg("smtp://127.0.0.1:2525");
        bad.from = "not an address".to_string();
        assert!(matches!(
            smtp_mailer(&bad).unwrap_err(),
            MailConfigError::InvalidFrom { .. }
        ));
    }

    #[test]
    fn tls_mailers_build() {
        smtp_mailer(&cfg("smtps://u:p@smtp.example.jp")).unwrap();
        smtp_mailer(&cfg("smtp+starttls://u:p@smtp.example.jp")).unwrap();
    }

    #[test]
    fn debug_redacts_the_password() {
        let c = cfg("smtps://isms%40example.jp:s3cret@smtp.example.jp:465");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("smtps://isms%40example.jp:***@smtp.example.jp:465"),
            "{shown}"
        );
        let m = smtp_mailer(&c).unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        // Without a password nothing changes.
        assert_eq!(redact_url("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
        assert_eq!(redact_url("junk:s3cret@host"), "***");
    }

    #[test]
    fn message_ids_are_sanitised() {
        assert_eq!(message_id_for("approval-EXC_1"), "<approval-EXC_1@mamori>");
        assert_eq!(message_id_for("a:b c<>@d"), "<a-b-c---d@mamori>");
        assert_eq!(message_id_for(""), "<mail@mamori>");
        assert_eq!(
            message_id_for(&"x".repeat(500)).len(),
            128 + "<@mamori>".len()
        );
    }

    #[test]
    fn message_is_utf8_plain_text_in_base64() {
        let m = smtp_mailer(&cfg("smtp://127.0.0.1:2525")).unwrap();
        let msg = m
            .build_message(&OutgoingMail {
                to: "taro@example.jp".to_string(),
                subject: "【mamori】承認依頼".to_string(),
                body: "承認してください。\nhttps://isms.example.jp/x".to_string(),
                dedupe_key: "k1".to_string(),
            })
            .unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("Content-Transfer-Encoding: base64"), "{raw}");
        assert!(raw.contains("Message-ID: <k1@mamori>"), "{raw}");
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.is_ascii(), "{raw}");
        let bad = m.build_message(&OutgoingMail {
            to: "nobody".to_string(),
            subject: "s".to_string(),
            body: "b".to_string(),
            dedupe_key: "k".to_string(),
        });
        assert!(bad.unwrap_err().contains("invalid recipient"));
    }
}
