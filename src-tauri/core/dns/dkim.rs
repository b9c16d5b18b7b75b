//! DKIM key records (RFC 6376 §3.6.1): tags, and `p=` decoded to a real public key with its size.
//!
//! RSA keys are published as a DER SubjectPublicKeyInfo (some hosts publish the bare PKCS#1
//! RSAPublicKey, which receivers also accept); Ed25519 keys (RFC 8463) as the raw 32 bytes. A small
//! DER reader is enough for both: only lengths and the modulus are needed, no cryptography.
//!
//! `check` is the check of one selector built on this parser.

mod check;

use base64::Engine as _;

pub(crate) use check::{check_dkim, DkimOutcome};
pub use check::{DKIM_CNAME_SELECTORS, DKIM_MANUAL_SELECTOR};

/// Why a DKIM key record is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DkimError {
    #[error("the record has no p= tag")]
    NoKey,
    #[error("v= must be DKIM1 and come first, found {0:?}")]
    BadVersion(String),
    #[error("a tag is not of the form name=value: {0:?}")]
    BadTag(String),
    #[error("the key type k={0} is not one receivers verify (rsa, ed25519)")]
    UnknownKeyType(String),
    #[error("p= is not valid base64")]
    NotBase64,
    #[error("p= decodes, but not to an {0} public key")]
    NotAKey(&'static str),
}

/// A key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ed25519,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ed25519 => "Ed25519",
        }
    }
}

/// A DKIM key record, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DkimKey {
    /// A usable key of `bits` bits.
    Key { key_type: KeyType, bits: u32 },
    /// `p=` is empty: the key was revoked.
    Revoked,
}

/// `true` when the TXT value looks like a DKIM key record at all.
pub fn looks_like_dkim(txt: &str) -> bool {
    let t = txt.trim_start().trim_start_matches(['"', '\\']);
    t.to_ascii_lowercase().starts_with("v=dkim1")
        || t.to_ascii_lowercase().starts_with("k=")
        || t.to_ascii_lowercase().starts_with("p=")
}

/// Parses a DKIM key record and decodes its key.
pub fn parse(txt: &str) -> Result<DkimKey, DkimError> {
    let mut key_type = KeyType::Rsa;
    let mut key: Option<String> = None;
    for (index, raw) in txt.split(';').enumerate() {
        let tag = raw.trim();
        if tag.is_empty() {
            continue;
        }
        let Some((name, value)) = tag.split_once('=') else {
            return Err(DkimError::BadTag(tag.to_owned()));
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "v" if index != 0 || value != "DKIM1" => {
                return Err(DkimError::BadVersion(value.to_owned()));
            }
            "v" => {}
            "k" => {
                key_type = match value.to_ascii_lowercase().as_str() {
                    "rsa" => KeyType::Rsa,
                    "ed25519" => KeyType::Ed25519,
                    other => return Err(DkimError::UnknownKeyType(other.to_owned())),
                }
            }
            // Whitespace inside p= is folding whitespace: allowed, and removed.
            "p" => key = Some(value.chars().filter(|c| !c.is_whitespace()).collect()),
            n if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                return Err(DkimError::BadTag(tag.to_owned()))
            }
            _ => {}
        }
    }
    let key = key.ok_or(DkimError::NoKey)?;
    if key.is_empty() {
        return Ok(DkimKey::Revoked);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(key.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(key.as_bytes()))
        .map_err(|_| DkimError::NotBase64)?;
    let bits = match key_type {
        KeyType::Rsa => rsa_modulus_bits(&der).ok_or(DkimError::NotAKey("RSA"))?,
        KeyType::Ed25519 => {
            if der.len() != 32 {
                return Err(DkimError::NotAKey("Ed25519"));
            }
            256
        }
    };
    Ok(DkimKey::Key { key_type, bits })
}

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
/// 1.2.840.113549.1.1.1 (rsaEncryption).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The modulus size of an RSA key given as SubjectPublicKeyInfo or as a bare RSAPublicKey.
fn rsa_modulus_bits(input: &[u8]) -> Option<u32> {
    let (tag, body, rest) = der(input)?;
    if tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    // SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params }, BIT STRING }
    if let Some((SEQUENCE, algorithm, after)) = der(body) {
        let (oid_tag, oid, _) = der(algorithm)?;
        if oid_tag != OID || oid != RSA_ENCRYPTION {
            return None;
        }
        let (bit_tag, bits, _) = der(after)?;
        let (&unused, key) = bits.split_first()?;
        if bit_tag != BIT_STRING || unused != 0 {
            return None;
        }
        return rsa_modulus_bits(key);
    }
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let (int_tag, modulus, after) = der(body)?;
    let (exp_tag, exponent, _) = der(after)?;
    if int_tag != INTEGER || exp_tag != INTEGER || exponent.is_empty() {
        return None;
    }
    let modulus: Vec<u8> = modulus.iter().copied().skip_while(|&b| b == 0).collect();
    let first = *modulus.first()?;
    let bits = (modulus.len() as u32 - 1) * 8 + (8 - first.leading_zeros());
    (bits >= 512).then_some(bits)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A syntactically real SubjectPublicKeyInfo for an RSA modulus of `bits` bits (not a usable key:
    /// the modulus is a pattern, which is all a size check reads).
    pub(crate) fn spki(bits: usize) -> Vec<u8> {
        fn len(n: usize) -> Vec<u8> {
            if n < 0x80 {
                vec![n as u8]
            } else if n < 0x100 {
                vec![0x81, n as u8]
            } else {
                vec![0x82, (n >> 8) as u8, n as u8]
            }
        }
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut v = vec![tag];
            v.extend(len(body.len()));
            v.extend_from_slice(body);
            v
        }
        let mut modulus = vec![0u8];
        modulus.push(0xc1);
        modulus.extend(std::iter::repeat_n(0x5a, bits / 8 - 1));
        let rsa = tlv(
            SEQUENCE,
            &[tlv(INTEGER, &modulus), tlv(INTEGER, &[1, 0, 1])].concat(),
        );
        let mut bit_string = vec![0u8];
        bit_string.extend(rsa);
        let algorithm = tlv(
            SEQUENCE,
            &[tlv(OID, RSA_ENCRYPTION), vec![0x05, 0x00]].concat(),
        );
        tlv(
            SEQUENCE,
            &[algorithm, tlv(BIT_STRING, &bit_string)].concat(),
        )
    }

    pub(crate) fn record(bits: usize) -> String {
        format!(
            "v=DKIM1; k=rsa; p={}",
            base64::engine::general_purpose::STANDARD.encode(spki(bits))
        )
    }

    #[test]
    fn reads_the_rsa_key_size() {
        for bits in [1024, 2048, 4096] {
            assert_eq!(
                parse(&record(bits)),
                Ok(DkimKey::Key {
                    key_type: KeyType::Rsa,
                    bits: bits as u32
                }),
                "{bits}"
            );
        }
    }

    #[test]
    fn folding_whitespace_inside_p_is_ignored() {
        let r = record(2048);
        let (head, tail) = r.split_at(60);
        assert!(matches!(
            parse(&format!("{head} \t {tail}")),
            Ok(DkimKey::Key { bits: 2048, .. })
        ));
    }

    #[test]
    fn an_empty_p_is_a_revoked_key() {
        assert_eq!(parse("v=DKIM1; k=rsa; p="), Ok(DkimKey::Revoked));
    }

    #[test]
    fn ed25519_keys_are_32_raw_bytes() {
        let p = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            parse(&format!("v=DKIM1; k=ed25519; p={p}")),
            Ok(DkimKey::Key {
                key_type: KeyType::Ed25519,
                bits: 256
            })
        );
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        assert_eq!(
            parse(&format!("v=DKIM1; k=ed25519; p={short}")),
            Err(DkimError::NotAKey("Ed25519"))
        );
    }

    #[test]
    fn malformed_keys_are_told_apart() {
        assert_eq!(parse("v=DKIM1; k=rsa; p=%%%"), Err(DkimError::NotBase64));
        assert_eq!(
            parse("v=DKIM1; k=rsa; p=aGVsbG8gd29ybGQ="),
            Err(DkimError::NotAKey("RSA"))
        );
        assert_eq!(parse("v=DKIM1; k=rsa"), Err(DkimError::NoKey));
        assert_eq!(
            parse("k=rsa; v=DKIM1; p="),
            Err(DkimError::BadVersion("DKIM1".into()))
        );
        assert_eq!(
            parse("v=DKIM1; k=dsa; p=abc"),
            Err(DkimError::UnknownKeyType("dsa".into()))
        );
        // A quoted record (the DNS host kept the quotes) is a broken tag, not a key.
        assert!(parse("\"v=DKIM1; k=rsa; p=abc\"").is_err());
    }

    #[test]
    fn a_truncated_key_is_not_a_key() {
        let r = record(2048);
        assert!(parse(&r[..r.len() - 40]).is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "[ -~]{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let p = base64::engine::general_purpose::STANDARD.encode(bytes);
            let _ = parse(&format!("v=DKIM1; p={p}"));
        }
    }
}
