//! What every list and single resource of the API shares: cursor paging and ETags.
use poem_openapi::types::ToJSON;
use sha2::{Digest, Sha256};

/// Items a page holds unless the caller asks for fewer or more (at most `MAX_LIMIT`).
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// The page size asked for, within bounds.
pub fn limit(asked: Option<u64>) -> u64 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The id after which a page starts: the cursor a previous page gave (opaque to callers). A
/// cursor this API did not give is refused rather than read as the first page.
pub fn after(cursor: Option<&str>) -> Result<Option<i32>, crate::api::problem::Problem> {
    match cursor.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) => c.parse::<i32>().map(Some).map_err(|_| {
            crate::api::problem::Problem::bad_request("`cursor` is not one this API gave.")
        }),
    }
}

/// Splits one row too many off a page read with `limit + 1`: the rows of the page and the
/// cursor of the next one, if there is one.
pub fn split<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> i32) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| id(r).to_string());
        (rows, next)
    } else {
        (rows, None)
    }
}

/// A strong ETag of a representation: a digest of its JSON.
pub fn etag_of(item: &impl ToJSON) -> String {
    let json = item.to_json().map(|v| v.to_string()).unwrap_or_default();
    format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(json.as_bytes()))[..32]
    )
}

/// Whether an `If-Match` header names this ETag, compared strongly (RFC 9110: a weak tag
/// never matches).
pub fn matches_strongly(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag)
}

/// Whether an `If-None-Match` header names this ETag (weak comparison).
pub fn matches(header: Option<&str>, etag: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag)
    })
}

/// One resource with its ETag, or "not modified" when the caller has this version already.
macro_rules! one_response {
    ($name:ident, $item:ty) => {
        // Built once per call and moved once: its size does not matter.
        #[allow(clippy::large_enum_variant)]
        #[derive(poem_openapi::ApiResponse)]
        pub enum $name {
            /// The resource, with its ETag.
            #[oai(status = 200)]
            Ok(
                poem_openapi::payload::Json<$item>,
                #[oai(header = "ETag")] String,
            ),
            /// The caller's copy (`If-None-Match`) is current.
            #[oai(status = 304)]
            NotModified(#[oai(header = "ETag")] String),
        }

        impl $name {
            pub fn of(item: $item, if_none_match: Option<&str>) -> $name {
                let etag = crate::api::paging::etag_of(&item);
                if crate::api::paging::matches(if_none_match, &etag) {
                    $name::NotModified(etag)
                } else {
                    $name::Ok(poem_openapi::payload::Json(item), etag)
                }
            }
        }
    };
}
pub(crate) use one_response;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(limit(None), DEFAULT_LIMIT);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(MAX_LIMIT + 1)), MAX_LIMIT);
        assert_eq!(after(Some(" 12 ")).unwrap(), Some(12));
        assert_eq!(after(None).unwrap(), None);
        assert!(after(Some("x")).is_err());
        assert_eq!(
            split(vec![1, 2, 3], 2, |x| *x),
            (vec![1, 2], Some("2".into()))
        );
        assert_eq!(split(vec![1, 2], 2, |x| *x), (vec![1, 2], None));
    }

    #[test]
    fn etags_match_by_value() {
        assert!(matches(Some("\"a\", W/\"b\""), "\"b\""));
        assert!(matches(Some("*"), "\"b\""));
        assert!(!matches(Some("\"a\""), "\"b\""));
        assert!(!matches(None, "\"b\""));
        assert!(matches_strongly("\"a\", \"b\"", "\"b\""));
        assert!(!matches_strongly("W/\"b\"", "\"b\""));
        assert_ne!(etag_of(&1i32), etag_of(&2i32));
        assert_eq!(etag_of(&1i32), etag_of(&1i32));
    }
}
