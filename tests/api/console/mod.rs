//! The console in the browser: HTTP tests of its pages, forms, sessions and headers without a
//! browser (`pages`), and the same people's work in a real headless Chromium (`browser`).

mod admin;
mod browser;
mod pages;
mod portal;
mod stats;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::common::TestApp;

/// A browser-like client of the console: its session cookie, no automatic redirects.
pub struct Visitor {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

/// A page as the console answered it.
pub struct Seen {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Seen {
    /// The value of the first `<input name=…>` of that name on the page.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&marker)? + marker.len();
        let end = self.html[start..].find('"')?;
        Some(self.html[start..start + end].to_string())
    }

    pub fn csrf(&self) -> String {
        self.input("csrf")
            .expect("the page has a form with its token")
    }

    pub fn shows(&self, text: &str) -> bool {
        self.html.contains(text)
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        Visitor {
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    async fn seen(response: reqwest::Response) -> Seen {
        Seen {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Seen {
        let mut request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html")
            .header("Accept-Language", "fr-FR,fr;q=0.9");
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        Visitor::seen(request.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Seen {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Accept", "text/html")
            .header("Accept-Language", "fr-FR,fr;q=0.9")
            .form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        Visitor::seen(request.send().await.unwrap()).await
    }

    /// Logs in through the form; the answer, with the session's cookie kept when one is set.
    pub async fn log_in(&mut self, email: &str, password: &str) -> Seen {
        let response = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            if value.starts_with("helpdesk_session=") {
                self.cookie = Some(value.split(';').next().unwrap().to_string());
            }
        }
        Visitor::seen(response).await
    }

    /// Logs in and reads the form token of the queue's page.
    pub async fn logged_in(app: &TestApp, email: &str, password: &str) -> (Visitor, String) {
        let mut visitor = Visitor::new(app);
        let answer = visitor.log_in(email, password).await;
        assert_eq!(answer.status, 303, "log-in of {email}: {}", answer.html);
        let page = visitor.get("/console/me").await;
        let csrf = page.csrf();
        (visitor, csrf)
    }
}
