//! The page behind each problem `type` URI: `GET /problems/{slug}`, the
//! section of `docs/problems.md` about it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppError;

/// The documentation the pages come from.
pub const DOCUMENT: &str = include_str!("../../docs/problems.md");

/// The slug of a problem type.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProblemPath {
    /// The last segment of the problem's `type`, such as `validation-failed`.
    #[param(pattern = r"^[a-z]+(-[a-z]+)*$", example = "validation-failed")]
    pub slug: String,
}

/// The section of [`DOCUMENT`] headed `## {slug}`, without its heading.
pub fn section(slug: &str) -> Option<&'static str> {
    let heading = format!("\n## {slug}\n");
    let start = DOCUMENT.find(&heading)? + heading.len();
    let rest = &DOCUMENT[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// Every slug the document has a section for.
pub fn slugs() -> Vec<&'static str> {
    DOCUMENT
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A paragraph of the document's Markdown as HTML: `**bold**` and `code`.
fn inline(text: &str) -> String {
    let mut html = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        if i % 2 == 1 {
            html.push_str(&format!("<code>{part}</code>"));
        } else {
            for (j, piece) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    html.push_str(&format!("<strong>{piece}</strong>"));
                } else {
                    html.push_str(piece);
                }
            }
        }
    }
    html
}

/// What a problem type means and what to do about it.
///
/// The page each problem `type` URI names
/// (`https://bistand.katrineholm.se/problems/<slug>`): a short explanation
/// of the problem, its status and what the caller can do. It needs no token.
#[utoipa::path(
    get,
    path = "/problems/{slug}",
    tag = "operations",
    operation_id = "get_problem_type",
    params(ProblemPath),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 404, response = crate::error::catalogue::NotFound),
    )
)]
pub async fn get_problem_type(path: web::Path<ProblemPath>) -> Result<HttpResponse, AppError> {
    let text = section(&path.slug).ok_or(AppError::NotFound)?;
    let body: String = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>\n", inline(&p.replace('\n', " "))))
        .collect();
    let slug = escape(&path.slug);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{slug} — bistand</title></head>\n<body>\n<h1>{slug}</h1>\n{body}\
             <p>All problem types, the business rules they cite and the roles are described \
             in the service's documentation (docs/ in its repository) and its contract at \
             <a href=\"/openapi.json\">/openapi.json</a>.</p>\n</body></html>\n"
        )))
}
