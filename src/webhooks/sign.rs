//! The signature of a delivery: `Aftercare-Signature: t=<unix seconds>,v1=<hex>`, where the
//! hex is HMAC-SHA256 under the endpoint's secret of `"<t>.<body>"`. A receiver recomputes it,
//! compares in constant time, and refuses a `t` too far from its clock (replays).
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Aftercare-Signature";

/// The header's value for `body` sent at `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether a header's value is the signature of `body` under `secret`, sent within
/// `tolerance` seconds of `now` (what a receiver does; used by the tests' receiver too).
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if (now - t).abs() > tolerance {
        return false;
    }
    let expected = signature(secret, t, body);
    crate::auth::tokens::same_secret(&expected, &format!("t={t},v1={v1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_signature() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",
        //   b"1700000000.{\"id\":\"evt_1\"}",hashlib.sha256).hexdigest())'
        assert_eq!(
            signature("whsec_test", 1_700_000_000, "{\"id\":\"evt_1\"}"),
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
        );
    }

    #[test]
    fn verification_refuses_other_bodies_keys_and_old_times() {
        let h = signature("k", 100, "body");
        assert!(verify("k", &h, "body", 100, 300));
        assert!(verify("k", &h, "body", 400, 300));
        assert!(!verify("k", &h, "body", 401, 300));
        assert!(!verify("k", &h, "Body", 100, 300));
        assert!(!verify("K", &h, "body", 100, 300));
        assert!(!verify("k", "t=100", "body", 100, 300));
        assert!(!verify("k", "", "body", 100, 300));
    }
}
