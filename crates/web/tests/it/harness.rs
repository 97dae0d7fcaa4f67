//! A test server: the router on a fresh database with the demo company, and
//! a client that keeps cookies and fills in the CSRF token like a browser.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use mamori_app::App;
use mamori_app::ports::SystemClock;
use mamori_store::{SqlStore, connect, migrate};
use mamori_testkit::TestDb;
use tower::ServiceExt;

pub const DEMO_PASSWORD: &str = mamori_app::demo::DEMO_PASSWORD;
/// 事務局 and mamori administrator in the demo company.
pub const SECRETARIAT: &str = "m.suzuki@minato-seiki.example";
pub const AUDITOR: &str = "m.sugiyama@minato-seiki.example";
pub const EMPLOYEE: &str = "m.aoki@minato-seiki.example";
pub const CHAIR: &str = "m.hasegawa@minato-seiki.example";
pub const SECURITY_OFFICER: &str = "m.shimizu@minato-seiki.example";

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub db: mamori_store::Db,
}

impl TestApp {
    /// A server with the demo company; two-factor not enforced unless `mfa`.
    pub async fn start(t: &TestDb, enforce_mfa: bool) -> TestApp {
        TestApp::start_with_clock(t, enforce_mfa, Arc::new(SystemClock)).await
    }

    /// A server whose clock the test moves.
    pub async fn start_with_clock(
        t: &TestDb,
        enforce_mfa: bool,
        clock: Arc<dyn mamori_app::ports::Clock>,
    ) -> TestApp {
        let db = connect(&t.url).await.unwrap();
        migrate(&db).await.unwrap();
        let app = App::new(Arc::new(SqlStore::new(db.clone())), clock);
        app.seed_demo().await.unwrap();
        let mut s = app.security_settings().await.unwrap();
        s.require_mfa_for_privileged = enforce_mfa;
        let system = mamori_app::auth::system_actor(app.today());
        app.update_security_settings(&system, s).await.unwrap();
        let state = mamori_web::AppState::new(app.clone(), mamori_web::WebConfig::default());
        TestApp {
            router: mamori_web::router(state),
            app,
            db,
        }
    }

    /// Retires the demo's periodic duties, for tests that count alerts exactly.
    pub async fn without_demo_duties(self) -> TestApp {
        let system = mamori_app::auth::system_actor(self.app.today());
        for d in self.app.store.duties(None).await.unwrap() {
            self.app
                .retire_duty(&system, d.id, d.version)
                .await
                .unwrap();
        }
        self
    }

    /// A second node on the same database (no seeding).
    pub async fn another_node(t: &TestDb) -> TestApp {
        let db = connect(&t.url).await.unwrap();
        let app = App::new(Arc::new(SqlStore::new(db.clone())), Arc::new(SystemClock));
        let state = mamori_web::AppState::new(app.clone(), mamori_web::WebConfig::default());
        TestApp {
            router: mamori_web::router(state),
            app,
            db,
        }
    }

    /// The same browser (cookies and token) talking to this node.
    pub fn same_browser_on(&self, other: &Client) -> Client {
        Client {
            router: self.router.clone(),
            cookies: other.cookies.clone(),
            csrf: other.csrf.clone(),
        }
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: Vec::new(),
            csrf: None,
        }
    }

    /// A client already signed in (password only; MFA not enforced).
    pub async fn signed_in(&self, email: &str) -> Client {
        let mut c = self.client();
        let r = c.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            r.text
        );
        // Like a browser, land on a page: it carries the session's CSRF token.
        c.get("/me").await;
        c
    }

    pub async fn audit_head(&self) -> i64 {
        self.app.store.head().await.unwrap().0
    }

    /// The 事務局 gives the person a company-wide role from today.
    pub async fn give_role(&self, email: &str, role: &str) {
        let person = self.app.cli_actor(email).await.unwrap();
        let secretariat = self.app.cli_actor(SECRETARIAT).await.unwrap();
        self.app
            .assign_role(
                &secretariat,
                &mamori_app::org::AssignmentInput {
                    person_id: person.id(),
                    role: role.into(),
                    department_id: None,
                    starts_on: self.app.today().to_string(),
                    ends_on: None,
                },
            )
            .await
            .unwrap();
    }

    pub async fn close(self) {
        self.db.close().await;
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Response {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    /// The value of `<input ... name="NAME" value="...">` (first match).
    pub fn input_value(&self, name: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.text);
        let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .map(str::to_string)
    }
    pub fn select_attr(&self, css: &str, attr: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.text);
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }
    pub fn select_text(&self, css: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.text);
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }
}

pub struct Client {
    router: Router,
    cookies: Vec<(String, String)>,
    pub csrf: Option<String>,
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "mamori.test");
        if !self.cookies.is_empty() {
            b = b.header(header::COOKIE, self.cookie_header());
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 50 * 1024 * 1024).await.unwrap();
        let r = Response {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Some(t) = r.input_value("_csrf") {
            self.csrf = Some(t);
        }
        r
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.request(Method::GET, path, None, vec![], &[]).await
    }

    /// Posts a form with the CSRF token the last page carried.
    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Response {
        if self.csrf.is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(pairs);
        self.request(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            form(&all).into_bytes(),
            &[],
        )
        .await
    }

    /// Posts without any CSRF token.
    pub async fn post_raw(
        &mut self,
        path: &str,
        pairs: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Response {
        self.request(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            form(pairs).into_bytes(),
            extra,
        )
        .await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// A multipart upload of one file field plus the CSRF token.
    pub async fn upload(
        &mut self,
        path: &str,
        field: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Response {
        let token = self.csrf.clone().unwrap_or_default();
        let boundary = "mamoriTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.request(
            Method::POST,
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
            &[],
        )
        .await
    }

    /// A multipart form: text fields and files (field, filename, bytes), with the CSRF token.
    pub async fn multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Response {
        let token = self.csrf.clone().unwrap_or_default();
        let boundary = "mamoriTestBoundaryMultiFieldX9";
        let mut body = Vec::new();
        let text = |name: &str, value: &str, body: &mut Vec<u8>| {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        };
        text("_csrf", &token, &mut body);
        for (k, v) in fields {
            text(k, v, &mut body);
        }
        for (name, filename, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.request(
            Method::POST,
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
            &[],
        )
        .await
    }

    pub async fn api(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        json: Option<serde_json::Value>,
    ) -> Response {
        let auth = format!("Bearer {token}");
        let body = json.map(|j| j.to_string().into_bytes()).unwrap_or_default();
        let ct = if body.is_empty() {
            None
        } else {
            Some("application/json")
        };
        let saved = std::mem::take(&mut self.cookies);
        let r = self
            .request(method, path, ct, body, &[("authorization", auth.as_str())])
            .await;
        self.cookies = saved;
        r
    }
}

/// The current TOTP code for a base32 secret.
pub fn totp_now(secret: &str) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp.generate(now).to_string()
}
