//! Metrics in Prometheus text format (`GET /metrics`), with the `metrics` crate and its
//! Prometheus exporter: requests and their latency by route and status, the outbox backlog
//! and its oldest email, the reminder and backup jobs' durations and last success, the read
//! audit's group-commit batch sizes, and the database pool. Served only with
//! `AFTERCARE_METRICS_TOKEN` (as a bearer token); without it the path does not exist.
pub mod scrape;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder (installed once; every app of the process shares it).
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .expect("buckets are given");
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder was installed first: keep ours apart.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// A path as a route: numbers, digests and tokens become placeholders, so the series stay few.
pub fn route_label(path: &str) -> String {
    if path.starts_with("/y/") {
        return "/y/:token".into();
    }
    path.split('/')
        .map(|segment| {
            let is_number = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
            let is_digest = segment.len() >= 32 && segment.bytes().all(|b| b.is_ascii_hexdigit());
            if is_number || is_digest {
                ":id"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Counts one request and its latency.
pub fn record_request(path: &str, status: u16, seconds: f64) {
    let route = route_label(path);
    metrics::counter!(
        "aftercare_http_requests_total",
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("aftercare_http_request_duration_seconds", "route" => route)
        .record(seconds);
}

/// A job run: how long it took and, when it succeeded, when.
pub fn record_job(
    job: &'static str,
    seconds: f64,
    succeeded: bool,
    at: chrono::DateTime<chrono::Utc>,
) {
    metrics::histogram!("aftercare_job_duration_seconds", "job" => job).record(seconds);
    if succeeded {
        metrics::gauge!("aftercare_job_last_success_timestamp_seconds", "job" => job)
            .set(at.timestamp() as f64);
    } else {
        metrics::counter!("aftercare_job_failures_total", "job" => job).increment(1);
    }
}

/// The entries one group commit of the read audit wrote.
pub fn record_audit_batch(entries: usize) {
    metrics::histogram!("aftercare_audit_batch_size").record(entries as f64);
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn routes_keep_their_shape_without_ids_or_tokens() {
        assert_eq!(route_label("/leavers/42/edit"), "/leavers/:id/edit");
        assert_eq!(route_label("/leavers"), "/leavers");
        assert_eq!(route_label("/"), "/");
        assert_eq!(route_label(&format!("/y/{}", "a".repeat(64))), "/y/:token");
        assert_eq!(
            route_label(&format!("/account/sessions/{}/end", "0f".repeat(32))),
            "/account/sessions/:id/end"
        );
        assert_eq!(route_label("/reports/annual.csv"), "/reports/annual.csv");
    }
}
