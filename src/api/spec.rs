//! The API's OpenAPI description, generated from the operations, and its tags.
use poem_openapi::OpenApiService;

use crate::{api::money, api::register, api::report};

/// Where the API is served.
pub const BASE: &str = "/api/v1";

/// The API's description, generated from the operations.
pub fn service() -> OpenApiService<(register::RegisterApi, money::MoneyApi, report::ReportApi), ()>
{
    OpenApiService::new(
        (register::RegisterApi, money::MoneyApi, report::ReportApi),
        "Aftercare API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Read the register, allowances, payments and the fiscal-year report, and report \
         payments as paid. Every call needs an API token (`Authorization: Bearer …`) with the \
         scope the operation names; every call is recorded in the audit log with the token \
         as its actor. Lists are paged with `cursor` and `limit`; single resources carry an \
         `ETag`. Errors are RFC 9457 problem documents.",
    )
    .server(BASE)
}
