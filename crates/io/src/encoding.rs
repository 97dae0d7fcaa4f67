//! Turning the bytes of an uploaded text file into a `String`. HR systems and
//! Excel in Japan write UTF-8 (with or without a BOM) or Shift_JIS (CP932).

use encoding_rs::SHIFT_JIS;
use serde::Serialize;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes are neither UTF-8 nor Shift_JIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecodeError {
    #[error("the file is neither UTF-8 nor Shift_JIS")]
    UnknownEncoding,
}

/// Decodes a text file: UTF-8 with a BOM (the BOM is dropped), UTF-8 without
/// one, otherwise Shift_JIS. Line ends (CRLF, CR) come out as LF.
pub fn decode_text(bytes: &[u8]) -> Result<String, DecodeError> {
    let text = if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        // A BOM says UTF-8; if the rest is not, the file is broken, not Shift_JIS.
        std::str::from_utf8(rest)
            .map_err(|_| DecodeError::UnknownEncoding)?
            .to_owned()
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        s.to_owned()
    } else {
        let (decoded, had_errors) = SHIFT_JIS.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(DecodeError::UnknownEncoding);
        }
        decoded.into_owned()
    };
    Ok(normalise_newlines(&text))
}

fn normalise_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_owned();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_is_stripped() {
        let bytes = [UTF8_BOM, "社員番号,氏名\n".as_bytes()].concat();
        assert_eq!(decode_text(&bytes), Ok("社員番号,氏名\n".to_owned()));
    }

    #[test]
    fn utf8_without_bom() {
        assert_eq!(decode_text("部門名".as_bytes()), Ok("部門名".to_owned()));
        assert_eq!(decode_text(b""), Ok(String::new()));
    }

    #[test]
    fn shift_jis_is_decoded() {
        let (bytes, _, unmappable) = SHIFT_JIS.encode("社員番号,氏名,ふりがな\n山田,やまだ\n");
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the test needs non-UTF-8 bytes"
        );
        assert_eq!(
            decode_text(&bytes),
            Ok("社員番号,氏名,ふりがな\n山田,やまだ\n".to_owned())
        );
    }

    #[test]
    fn undecodable_bytes_are_refused() {
        // 0xFF is neither UTF-8 nor a Shift_JIS byte; a UTF-16 BOM starts so.
        assert_eq!(
            decode_text(b"\xFF\xFEa\x00"),
            Err(DecodeError::UnknownEncoding)
        );
        // A lead byte with no trail byte.
        assert_eq!(decode_text(b"abc\x82"), Err(DecodeError::UnknownEncoding));
        // A BOM followed by something that is not UTF-8.
        assert_eq!(
            decode_text(b"\xEF\xBB\xBF\x82\xA0"),
            Err(DecodeError::UnknownEncoding)
        );
    }

    #[test]
    fn line_ends_become_lf() {
        assert_eq!(
            decode_text(b"a\r\nb\rc\n\r\nd"),
            Ok("a\nb\nc\n\nd".to_owned())
        );
        let (bytes, _, _) = SHIFT_JIS.encode("氏名\r\n山田\r\n");
        assert_eq!(decode_text(&bytes), Ok("氏名\n山田\n".to_owned()));
    }
}
