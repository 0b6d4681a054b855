//! `data:` URLs (inline source maps), decoded once for every stage.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Why a `data:` URL cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataUrlError {
    #[error("not a data: URL")]
    NotData,
    #[error("data: URL without a comma")]
    NoComma,
    #[error("invalid base64 in the data: URL: {0}")]
    Base64(String),
}

/// Standard or URL-safe alphabet, padding optional: what bundlers and plugins write.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The bytes of a `data:[<type>][;base64],<data>` URL.
pub fn decode(url: &str) -> Result<Vec<u8>, DataUrlError> {
    let rest = url.strip_prefix("data:").ok_or(DataUrlError::NotData)?;
    let (meta, data) = rest.split_once(',').ok_or(DataUrlError::NoComma)?;
    if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        let data = data.trim();
        STANDARD
            .decode(data)
            .or_else(|e| URL_SAFE.decode(data).map_err(|_| e))
            .map_err(|e| DataUrlError::Base64(e.to_string()))
    } else {
        Ok(percent_encoding::percent_decode_str(data).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_percent_encoded() {
        let json = r#"{"version":3,"sources":["a.js"],"mappings":"AAAA"}"#;
        let b64 = "eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImEuanMiXSwibWFwcGluZ3MiOiJBQUFBIn0=";
        assert_eq!(
            decode(&format!("data:application/json;charset=utf-8;base64,{b64}")).unwrap(),
            json.as_bytes()
        );
        assert_eq!(
            decode(&format!(
                "data:application/json;base64,{}",
                b64.trim_end_matches('=')
            ))
            .unwrap(),
            json.as_bytes()
        );
        assert_eq!(
            decode("data:application/json;base64,-_8").unwrap(),
            [0xfb, 0xff]
        );
        assert_eq!(
            decode("data:application/json,%7B%22a%22%3A1%7D").unwrap(),
            br#"{"a":1}"#
        );
        assert!(matches!(
            decode("data:application/json;base64,***"),
            Err(DataUrlError::Base64(_))
        ));
        assert_eq!(decode("data:nocomma"), Err(DataUrlError::NoComma));
        assert_eq!(decode("http://x"), Err(DataUrlError::NotData));
    }
}
