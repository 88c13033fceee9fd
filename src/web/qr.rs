//! A QR code drawn on the server as SVG (no script, nothing from elsewhere): a young person's
//! link shown in person, a second factor's key.
use crate::error::{AppError, AppResult};

/// `text` as a QR code at least `size` pixels square, with its quiet zone.
pub fn svg(text: &str, size: u32) -> AppResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_svg_of_at_least_the_size() {
        let svg = super::svg("https://aftercare.example.jp/y/abc", 240).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        assert!(width >= 240, "{width}");
    }
}
