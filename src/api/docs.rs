//! `/api/docs`: the API's description as a page of the application (served from the binary,
//! no script, no CDN), read from the same OpenAPI document as `/api/v1/openapi.json`, so the
//! two cannot differ.
use std::sync::OnceLock;

use askama::Template;
use poem::{Response, handler};
use serde_json::Value;

use crate::{
    error::AppResult,
    web::{context::Ctx, render::render},
};

/// Text in pieces: `(true, …)` is code (written between backticks in the description).
pub type Text = Vec<(bool, String)>;

/// Splits text at its backticks.
pub fn pieces(text: &str) -> Text {
    text.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| (i % 2 == 1, t.to_string()))
        .collect()
}

pub struct Param {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub description: Text,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: Text,
    pub description: Text,
    pub params: Vec<Param>,
    pub body: bool,
    pub responses: Vec<(String, Text)>,
}

pub struct Group {
    pub name: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

pub struct Reference {
    pub title: String,
    pub description: Text,
    pub base: String,
    pub groups: Vec<Group>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The page's contents, read once from the generated document.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let spec: Value =
            serde_json::from_str(&crate::api::spec::service().spec()).unwrap_or_default();
        let mut groups: Vec<Group> = spec
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| Group {
                name: text(t, "name"),
                description: text(t, "description"),
                operations: Vec::new(),
            })
            .collect();
        let paths = spec.get("paths").and_then(Value::as_object);
        for (path, methods) in paths.into_iter().flatten() {
            for (method, op) in methods.as_object().into_iter().flatten() {
                let tag = op
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| Param {
                        name: text(p, "name"),
                        place: text(p, "in"),
                        required: p.get("required").and_then(Value::as_bool) == Some(true),
                        description: pieces(&text(p, "description")),
                    })
                    .collect();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(code, r)| (code.clone(), pieces(&text(r, "description"))))
                    .collect();
                let operation = Operation {
                    anchor: text(op, "operationId"),
                    method: method.to_uppercase(),
                    path: format!("{}{path}", crate::api::spec::BASE),
                    summary: pieces(&text(op, "summary")),
                    description: pieces(&text(op, "description")),
                    params,
                    body: op.get("requestBody").is_some(),
                    responses,
                };
                if let Some(g) = groups.iter_mut().find(|g| g.name == tag) {
                    g.operations.push(operation);
                }
            }
        }
        let info = spec.get("info").cloned().unwrap_or_default();
        Reference {
            title: text(&info, "title"),
            description: pieces(&text(&info, "description")),
            base: crate::api::spec::BASE.to_string(),
            groups,
        }
    })
}

#[derive(Template)]
#[template(path = "api/docs.html")]
struct DocsPage<'a> {
    ctx: &'a Ctx,
    r: &'static Reference,
}

/// `GET /api/docs`.
#[handler]
pub async fn page(ctx: &Ctx) -> AppResult<Response> {
    render(&DocsPage {
        ctx,
        r: reference(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn backticks_mark_code() {
        assert_eq!(
            super::pieces("scope `a:b`; `x`"),
            [
                (false, "scope ".to_string()),
                (true, "a:b".to_string()),
                (false, "; ".to_string()),
                (true, "x".to_string())
            ]
        );
        assert!(super::pieces("").is_empty());
    }

    #[test]
    fn every_operation_is_on_the_page() {
        let r = super::reference();
        let ops: Vec<String> = r
            .groups
            .iter()
            .flat_map(|g| {
                g.operations
                    .iter()
                    .map(|o| format!("{} {}", o.method, o.path))
            })
            .collect();
        assert!(ops.contains(&"GET /api/v1/leavers".to_string()), "{ops:?}");
        assert!(ops.contains(&"POST /api/v1/payments/{id}/paid".to_string()));
        assert_eq!(ops.len(), 10, "{ops:?}");
    }
}
