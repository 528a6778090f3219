//! Who gets in, and what every answer tells a browser: limits on failed log-ins, tokens of
//! users who are gone, passwords and disabled accounts, security headers and CORS.
use crate::common;
use crate::common::Role;

use chrono::Utc;
use common::{Answer, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

/// The signing key the harness gives the service.
const SECRET: &[u8] = b"test-secret-0123456789abcdefghij";
const ORIGIN: &str = "https://helpdesk.example.org";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A service whose log-in limits are those given, over a window of `window_seconds`.
async fn limited(per_account: u32, per_address: u32, window_seconds: u64) -> TestApp {
    TestApp::spawn_with(|s| {
        s.auth.max_failed_logins_per_account = per_account;
        s.auth.max_failed_logins_per_address = per_address;
        s.auth.login_window_seconds = window_seconds;
    })
    .await
}

/// A request with headers of our choosing and no body.
async fn send(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> Answer {
    app.call(method, path, None, None, headers).await
}

/// A 429 `too_many_requests` problem; returns its `Retry-After` in seconds.
#[track_caller]
fn assert_too_many(answer: &Answer, window_seconds: u64) -> u64 {
    answer.assert_problem(429, "too_many_requests");
    let seconds: u64 = answer
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in whole seconds");
    assert!(
        (1..=window_seconds).contains(&seconds),
        "Retry-After {seconds} outside 1..={window_seconds}"
    );
    seconds
}

/// The admin logs in with the right password.
async fn admin_logs_in(app: &TestApp) {
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
}

/// Logs in as the admin with a wrong password `times` times, each refused with 401.
async fn fail_logins(app: &TestApp, times: usize) {
    for _ in 0..times {
        app.login(ADMIN_EMAIL, "wrong-password")
            .await
            .assert_unauthorized();
    }
}

fn sign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .expect("sign a token")
}

/// What a problem says, without what differs by nature (nothing should).
fn problem_text(answer: &Answer) -> (u16, String, String, String) {
    (
        answer.status.as_u16(),
        answer.code().to_string(),
        answer.body["title"].as_str().unwrap_or("").to_string(),
        answer.body["detail"].as_str().unwrap_or("").to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Failed log-ins
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn after_too_many_failed_logins_an_account_answers_429_even_to_the_right_password() {
    let app = limited(3, 100, 900).await;
    fail_logins(&app, 3).await;

    let refused = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_too_many(&refused, 900);
    assert!(refused.body.get("access_token").is_none());
    // The same e-mail in another case is the same account.
    assert_too_many(
        &app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await,
        900,
    );

    // Other accounts are not locked out, and tokens already held still work.
    let hotline = app.staff(Role::Hotline).await;
    app.login(&hotline.email, PASSWORD).await.expect(200);
    app.me(&app.admin.token).await.expect(200);
}

#[tokio::test]
async fn an_unknown_email_is_counted_and_answered_exactly_like_a_wrong_password() {
    let app = limited(2, 100, 900).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..3 {
        known.push(app.login(ADMIN_EMAIL, "wrong-password").await);
        unknown.push(app.login("nobody@test.local", "wrong-password").await);
    }

    known[0].assert_unauthorized();
    assert_too_many(&known[2], 900);
    for (known, unknown) in known.iter().zip(&unknown) {
        assert_eq!(problem_text(known), problem_text(unknown));
        assert_eq!(
            known.header("retry-after").is_some(),
            unknown.header("retry-after").is_some()
        );
        assert_eq!(
            known.header("www-authenticate"),
            unknown.header("www-authenticate")
        );
    }
}

#[tokio::test]
async fn a_successful_login_clears_the_accounts_failed_attempts() {
    let app = limited(3, 100, 900).await;
    fail_logins(&app, 2).await;
    admin_logs_in(&app).await;

    fail_logins(&app, 2).await;
    admin_logs_in(&app).await;
}

#[tokio::test]
async fn too_many_failures_from_one_address_block_every_account_from_it() {
    let app = limited(100, 4, 900).await;
    for n in 0..4 {
        let answer = app
            .login(&format!("guess{n}@test.local"), "wrong-password")
            .await;
        answer.assert_unauthorized();
    }

    assert_too_many(&app.login("guess9@test.local", "wrong-password").await, 900);
    assert_too_many(&app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 900);
    // Only logging in is refused: the rest of the API still answers.
    app.me(&app.admin.token).await.expect(200);
}

#[tokio::test]
async fn successful_logins_do_not_count_against_the_address() {
    let app = limited(100, 3, 900).await;
    for _ in 0..5 {
        admin_logs_in(&app).await;
    }
    fail_logins(&app, 2).await;
    admin_logs_in(&app).await;
}

#[tokio::test]
async fn the_limit_lifts_once_the_window_has_passed() {
    let app = limited(2, 100, 2).await;
    fail_logins(&app, 2).await;
    let wait = assert_too_many(&app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await, 2);

    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    admin_logs_in(&app).await;
}

#[tokio::test]
async fn refused_logins_never_reveal_a_token_nor_a_password() {
    let app = limited(1, 100, 900).await;
    let first = app.login(ADMIN_EMAIL, "first-wrong-password").await;
    let second = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for answer in [&first, &second] {
        let text = answer.body.to_string();
        assert!(!text.contains("access_token"), "{text}");
        assert!(!text.contains(ADMIN_PASSWORD), "{text}");
        assert!(!text.contains("first-wrong-password"), "{text}");
    }
    assert_too_many(&second, 900);
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_issued_a_few_minutes_in_the_future_is_unauthorized() {
    let app = TestApp::spawn().await;
    let now = Utc::now().timestamp();
    let claims = |iat: i64| {
        json!({"sub": app.admin.id.to_string(), "role": "admin", "member_id": null,
               "iat": iat, "exp": now + 3600})
    };
    // The genuine shape is accepted: what is refused below is only the issue time.
    app.me(&sign(&claims(now))).await.expect(200);

    let answer = app.me(&sign(&claims(now + 300))).await;
    answer.assert_unauthorized();
}

#[tokio::test]
async fn the_token_of_a_deleted_user_is_unauthorized() {
    // The row is deleted behind the service's back, as another process would: a service
    // that remembers its callers sees that only after `auth.user_cache_seconds`.
    let app = TestApp::spawn_with(|s| s.auth.user_cache_seconds = 0).await;
    let member = app.create_member("GONE").await;
    let hotline = app.staff(Role::Hotline).await;
    app.me(&hotline.token).await.expect(200);

    // A user with no ticket, comment or work log can be removed from the table.
    app.execute_sql(&format!("DELETE FROM users WHERE id = {}", hotline.id))
        .await;

    app.me(&hotline.token).await.assert_unauthorized();
    let filed = app.file_ticket(&hotline.token, Some(member), "ghost").await;
    filed.assert_unauthorized();
    let tickets = app.admin_reads("/api/v1/tickets").await;
    assert_eq!(tickets["items"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// Accounts and passwords
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_password_changed_to_fewer_than_eight_characters_is_refused_and_the_old_one_kept() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let short = json!({"password": "1234567"});
    let refused = app.change_user(hotline.id, &app.admin.token, short).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "password");

    app.login(&hotline.email, PASSWORD).await.expect(200);
    app.login(&hotline.email, "1234567")
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn a_disabled_account_is_shut_out_until_enabled_again() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let disabled = app.set_disabled(hotline.id, true).await;
    assert_eq!(disabled.body["disabled"], true);
    app.login(&hotline.email, PASSWORD)
        .await
        .assert_unauthorized();
    app.me(&hotline.token).await.assert_unauthorized();

    app.set_disabled(hotline.id, false).await;
    let login = app.login(&hotline.email, PASSWORD).await.expect(200);
    app.me(&login.access_token()).await.expect(200);
}

// ---------------------------------------------------------------------------------------------
// Security headers
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_hardened(answer: &Answer, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(answer.header(name).as_deref(), Some(value), "{what}");
    }
    assert!(
        answer.header("content-security-policy").is_some(),
        "{what}: no CSP"
    );
    // Plain HTTP: HSTS would be ignored by browsers, the TLS proxy is the one to send it.
    assert!(
        answer.header("strict-transport-security").is_none(),
        "{what}"
    );
}

#[track_caller]
fn assert_locked_down_api(answer: &Answer, what: &str) {
    assert_hardened(answer, what);
    let csp = answer.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(
        answer.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
}

#[tokio::test]
async fn every_api_answer_carries_the_security_headers_and_is_never_cached() {
    let app = TestApp::spawn().await;
    let token = app.admin.token.as_str();
    let answers = [
        ("me", app.me(token).await.expect(200)),
        (
            "login",
            app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200),
        ),
        (
            "failed login",
            app.login(ADMIN_EMAIL, "wrong-password").await.expect(401),
        ),
        (
            "no token",
            send(&app, Method::GET, "/api/v1/tickets", &[])
                .await
                .expect(401),
        ),
        (
            "unknown route",
            app.get("/api/v1/nowhere", token).await.expect(404),
        ),
        (
            "wrong method",
            app.call(Method::PUT, "/api/v1/me", Some(token), None, &[])
                .await
                .expect(405),
        ),
        ("forbidden", {
            let member = app.create_member("HDR").await;
            let agent = app.agent_of(member).await;
            app.get("/api/v1/users", &agent.token).await.expect(403)
        }),
        (
            "created",
            app.post(
                "/api/v1/members",
                token,
                json!({"code": "NEW", "name": "New", "kind": "city"}),
            )
            .await
            .expect(201),
        ),
        (
            "text body",
            app.call(
                Method::POST,
                "/api/v1/members",
                Some(token),
                None,
                &[("content-type", "text/plain")],
            )
            .await
            .expect(415),
        ),
    ];
    for (what, answer) in &answers {
        assert_locked_down_api(answer, what);
    }
}

#[tokio::test]
async fn operational_endpoints_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/ready", "/metrics", "/openapi.json", "/nowhere"] {
        let answer = send(&app, Method::GET, path, &[]).await;
        assert_hardened(&answer, path);
        let csp = answer.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn the_docs_page_gets_a_policy_that_lets_swagger_ui_run_and_nothing_else() {
    let app = TestApp::spawn().await;
    let page = app.anonymous("/docs/").await;
    assert_eq!(page.status.as_u16(), 200);
    let header = |name: &str| page.header(name);
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    let csp = header("content-security-policy").expect("a CSP on the docs page");
    let directives = [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ];
    assert_names_all(&csp, &directives);
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let script_policy = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(!script_policy.contains("unsafe-inline"), "{csp}");

    // The page runs only scripts of its own origin, which the policy lets load.
    let html = page.body.as_str().unwrap().to_string();
    let mut sources = Vec::new();
    for tag in html.split("<script").skip(1) {
        let (attributes, rest) = tag.split_once('>').unwrap();
        let body = rest.split("</script>").next().unwrap();
        assert!(body.trim().is_empty(), "an inline script: {body}");
        let src = attributes
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a script with src");
        assert!(!src.contains("//"), "a script from elsewhere: {src}");
        sources.push(src.trim_start_matches("./").to_string());
    }
    assert!(!sources.is_empty(), "{html}");
    for src in sources {
        let script = send(&app, Method::GET, &format!("/docs/{src}"), &[]).await;
        assert_eq!(script.status.as_u16(), 200, "{src}");
    }
    let initializer = send(&app, Method::GET, "/docs/swagger-initializer.js", &[]).await;
    assert!(
        initializer
            .body
            .as_str()
            .unwrap_or("")
            .contains("/openapi.json"),
        "the page loads the spec from this origin"
    );
}

// ---------------------------------------------------------------------------------------------
// CORS
// ---------------------------------------------------------------------------------------------

/// A CORS preflight from that origin for that method on `path`.
async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> Answer {
    send(
        app,
        Method::OPTIONS,
        path,
        &preflight_headers(origin, method),
    )
    .await
}

/// The text names each of those.
#[track_caller]
fn assert_names_all(text: &str, names: &[&str]) {
    for name in names {
        assert!(text.contains(name), "{name} not in {text}");
    }
}

fn preflight_headers<'a>(origin: &'a str, method: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("origin", origin),
        ("access-control-request-method", method),
        (
            "access-control-request-headers",
            "authorization,content-type,if-match,idempotency-key",
        ),
    ]
}

#[tokio::test]
async fn cors_is_closed_when_no_origin_is_configured() {
    let app = TestApp::spawn().await;
    let token = app.admin.token.as_str();

    let answer = app
        .call(
            Method::GET,
            "/api/v1/me",
            Some(token),
            None,
            &[("origin", ORIGIN)],
        )
        .await
        .expect(200);
    assert!(answer.header("access-control-allow-origin").is_none());

    let preflight = preflight(&app, "/api/v1/tickets", ORIGIN, "POST").await;
    assert_ne!(preflight.status.as_u16(), 204);
    assert!(preflight.header("access-control-allow-origin").is_none());
    assert!(preflight.header("access-control-allow-methods").is_none());
}

#[tokio::test]
async fn a_configured_origin_gets_preflights_answered_and_may_read_etag_and_location() {
    let app = TestApp::spawn_with(|s| s.server.cors_origins = vec![ORIGIN.to_string()]).await;
    let token = app.admin.token.as_str();

    let preflight = preflight(&app, "/api/v1/tickets/1", ORIGIN, "PATCH")
        .await
        .expect(204);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let methods = preflight.header("access-control-allow-methods").unwrap();
    assert_names_all(&methods, &["GET", "POST", "PATCH", "DELETE"]);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    let names = [
        "authorization",
        "content-type",
        "if-match",
        "idempotency-key",
    ];
    assert_names_all(&allowed, &names);
    assert!(preflight
        .header("vary")
        .unwrap_or_default()
        .contains("Origin"));
    assert!(preflight
        .header("access-control-allow-credentials")
        .is_none());

    let member = app.create_member("CORS").await;
    let filed = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(token),
            Some(&json!({"title": "from a browser", "description": "", "member_id": member})),
            &[("origin", ORIGIN)],
        )
        .await
        .expect(201);
    assert_eq!(
        filed.header("access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let exposed = filed
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("location"),
        "{exposed}"
    );
    // Error answers are readable by the page too.
    let refused = app
        .call(Method::GET, "/api/v1/me", None, None, &[("origin", ORIGIN)])
        .await
        .expect(401);
    assert_eq!(
        refused.header("access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
}

#[tokio::test]
async fn an_origin_that_is_not_configured_gets_no_cors_answer() {
    let app = TestApp::spawn_with(|s| s.server.cors_origins = vec![ORIGIN.to_string()]).await;
    for origin in [
        "https://evil.example.org",
        "http://helpdesk.example.org",
        "https://helpdesk.example.org.evil.example",
        "null",
    ] {
        let preflight = preflight(&app, "/api/v1/tickets", origin, "POST").await;
        assert_ne!(preflight.status.as_u16(), 204, "{origin}");
        assert!(
            preflight.header("access-control-allow-origin").is_none(),
            "{origin}"
        );

        let answer = app
            .call(
                Method::GET,
                "/api/v1/me",
                Some(&app.admin.token),
                None,
                &[("origin", origin)],
            )
            .await
            .expect(200);
        assert!(
            answer.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts only those above them may change
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_manager_cannot_take_over_an_admin_nor_change_a_peer() {
    let (app, manager) = TestApp::with_staff(Role::Manager).await;
    let other_manager = app.staff(Role::Manager).await;
    let admin_path = common::user_path(app.admin.id);
    let admin_before = app.admin_reads(&admin_path).await;

    for change in [
        json!({"password": "taken-over-password"}),
        json!({"name": "Not the admin"}),
        json!({"disabled": true}),
        json!({"role": "agent"}),
    ] {
        let answer = app.patch(&admin_path, &manager.token, change.clone()).await;
        answer.assert_problem(403, "forbidden");
    }
    // The manager cannot log in as the admin, whose password still works.
    app.login(ADMIN_EMAIL, "taken-over-password")
        .await
        .assert_unauthorized();
    admin_logs_in(&app).await;
    let admin = app.admin_reads(&admin_path).await;
    assert_eq!(admin, admin_before);

    // Nor a peer's account, nor give a role at or above their own.
    let password = json!({"password": "peer-password-1"});
    app.change_user(other_manager.id, &manager.token, password)
        .await
        .assert_problem(403, "forbidden");
    let technician = app.staff(Role::Technician).await;
    for role in ["manager", "admin"] {
        app.change_user(technician.id, &manager.token, json!({"role": role}))
            .await
            .assert_problem(403, "forbidden");
        let created = app
            .post(
                "/api/v1/users",
                &manager.token,
                json!({"email": format!("new-{role}@test.local"), "name": "New",
                       "role": role, "password": PASSWORD}),
            )
            .await;
        created.assert_problem(403, "forbidden");
    }

    // What a manager may do: accounts below their own, and their own name and password.
    let demoted = json!({"role": "hotline", "name": "Renamed"});
    let changed = app.change_user(technician.id, &manager.token, demoted);
    changed.await.expect(200);
    let own = json!({"password": "my-own-new-password"});
    let changed = app.change_user(manager.id, &manager.token, own);
    changed.await.expect(200);
    app.login(&manager.email, "my-own-new-password")
        .await
        .expect(200);
    // An admin changes an admin.
    let second_admin = app.staff(Role::Admin).await;
    let renamed = json!({"name": "Second admin"});
    let changed = app.change_user(second_admin.id, &app.admin.token, renamed);
    changed.await.expect(200);
}

// ---------------------------------------------------------------------------------------------
// A new password ends the tokens issued before it
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_password_change_ends_every_token_issued_before_it() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let second_login = app.login(&hotline.email, PASSWORD).await.expect(200);
    let second_token = second_login.access_token();
    app.me(&hotline.token).await.expect(200);

    let password = json!({"password": "a-changed-password"});
    let changed = app.change_user(hotline.id, &app.admin.token, password);
    changed.await.expect(200);

    for token in [&hotline.token, &second_token] {
        app.me(token).await.assert_unauthorized();
    }
    let fresh = app
        .login(&hotline.email, "a-changed-password")
        .await
        .expect(200);
    let fresh = fresh.access_token();
    app.me(&fresh).await.expect(200);

    // A name change ends nothing.
    let renamed = json!({"name": "Renamed"});
    let changed = app.change_user(hotline.id, &app.admin.token, renamed);
    changed.await.expect(200);
    app.me(&fresh).await.expect(200);
}

#[tokio::test]
async fn tokens_of_a_disabled_account_stay_ended_once_it_is_enabled_again() {
    let (app, technician) = TestApp::with_staff(Role::Technician).await;
    app.set_disabled(technician.id, true).await;
    app.set_disabled(technician.id, false).await;

    app.me(&technician.token).await.assert_unauthorized();
    let login = app.login(&technician.email, PASSWORD).await.expect(200);
    app.me(&login.access_token()).await.expect(200);
}

// ---------------------------------------------------------------------------------------------
// Failed log-ins hold back the guesser, never the owner
// ---------------------------------------------------------------------------------------------

/// A service behind a reverse proxy on 127.0.0.1, which says who the client is.
async fn behind_a_proxy(per_account: u32, all_addresses: u32) -> TestApp {
    TestApp::spawn_with(|s| {
        s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        s.auth.max_failed_logins_per_account = per_account;
        s.auth.max_failed_logins_per_account_all_addresses = all_addresses;
        s.auth.max_failed_logins_per_address = 100;
    })
    .await
}

/// The address the owner of the admin account logs in from.
const OWNER: &str = "198.51.100.7";

/// The owner of the admin account logs in from their address.
async fn owner_logs_in(app: &TestApp) {
    login_from(app, OWNER, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect(200);
}

/// The right password from that address is refused for now (429).
async fn assert_held_back(app: &TestApp, address: &str) {
    let answer = login_from(app, address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_too_many(&answer, 900);
}

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> Answer {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"email": email, "password": password})),
        &[("x-forwarded-for", address)],
    )
    .await
}

#[tokio::test]
async fn failed_guesses_from_one_address_do_not_lock_the_owner_out() {
    let app = behind_a_proxy(5, 50).await;
    for _ in 0..5 {
        login_from(&app, "203.0.113.66", ADMIN_EMAIL, "guess")
            .await
            .assert_unauthorized();
    }
    // The guesser waits, even with the right password...
    assert_held_back(&app, "203.0.113.66").await;
    // ...while the owner, from their own address, logs in.
    owner_logs_in(&app).await;
}

#[tokio::test]
async fn a_guess_spread_over_many_addresses_spares_the_addresses_the_owner_used() {
    let app = behind_a_proxy(5, 6).await;
    owner_logs_in(&app).await;
    for n in 1..=6 {
        let answer = login_from(&app, &format!("203.0.113.{n}"), ADMIN_EMAIL, "guess").await;
        answer.assert_unauthorized();
    }
    // A new address waits: the account is being guessed...
    assert_held_back(&app, "203.0.113.99").await;
    // ...but the owner's known address still gets in.
    owner_logs_in(&app).await;
}

#[tokio::test]
async fn a_clients_own_forwarded_for_header_is_ignored() {
    // No trusted proxy: every request comes from 127.0.0.1, whatever the header claims.
    let app = limited(3, 100, 900).await;
    for n in 0..3 {
        let answer = login_from(&app, &format!("203.0.113.{n}"), ADMIN_EMAIL, "guess").await;
        answer.assert_unauthorized();
    }
    assert_held_back(&app, OWNER).await;
    for entry in app.audit("?action=login_failed").await {
        assert_eq!(entry["ip"], "127.0.0.1", "{entry}");
    }
}
