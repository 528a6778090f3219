//! The console's own CSS, JavaScript and icon, compiled into the binary and served under a
//! name that changes with their content, so that a browser keeps them as long as it likes.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::api::Segment;
use crate::error::AppError;

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");
const ICON: &str = include_str!("../../assets/icon.svg");

struct Asset {
    path: String,
    body: &'static str,
    content_type: &'static str,
}

fn asset(stem: &str, extension: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    let tag: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Asset {
        path: format!("/assets/{stem}-{tag}.{extension}"),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        asset("console", "css", CSS, "text/css; charset=utf-8"),
        asset("console", "js", JS, "text/javascript; charset=utf-8"),
        asset("icon", "svg", ICON, "image/svg+xml"),
    ]
});

pub static CSS_PATH: LazyLock<&'static str> = LazyLock::new(|| ASSETS[0].path.as_str());
pub static JS_PATH: LazyLock<&'static str> = LazyLock::new(|| ASSETS[1].path.as_str());
pub static ICON_PATH: LazyLock<&'static str> = LazyLock::new(|| ASSETS[2].path.as_str());

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(serve));
}

async fn serve(name: Segment) -> Result<HttpResponse, AppError> {
    let path = format!("/assets/{}", name.as_str());
    let asset = ASSETS
        .iter()
        .find(|a| a.path == path)
        .ok_or(AppError::RouteNotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.body))
}
