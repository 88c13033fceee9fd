//! Static files (the style sheet, the print button's script), compiled into the binary so it runs from any folder.
use poem::{IntoResponse, Response, handler, http::StatusCode, web::Path};

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/print.js"),
    ),
];

#[handler]
pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => body
            .to_string()
            .with_content_type(*content_type)
            .with_header("Cache-Control", "public, max-age=3600")
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
