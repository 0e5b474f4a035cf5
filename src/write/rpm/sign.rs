//! OpenPGP signing of packages (`split --sign-key`), with the `pgp` crate (rPGP).
//!
//! What `rpmsign --addsign` of rpm 4.18 adds to a package that has a payload digest
//! (`sign/rpmgensig.c`, `rpmSign()`/`replaceSignature()`/`makeSigTag()`): one v4 signature
//! packet over the main header blob as written (magic included, `headerSizeof(h,
//! HEADER_MAGIC_YES)` bytes), SHA-256 (`%_gpg_digest_algo`), type binary (0x00), stored as
//! RPMSIGTAG_RSA (268, RSAHEADER) for an RSA key and RPMSIGTAG_DSA (267, DSAHEADER) for a DSA
//! or EdDSA key. The legacy header+payload signatures (PGP 1002, GPG 1005) are made only with
//! `--rpmv3` or for packages without a payload digest; ours always have one. Then rpmsign
//! shrinks RESERVEDSPACE by what the new tag took, so the signature header keeps its size.
//!
//! The packet carries what gpg's carries: hashed, the issuer fingerprint (33) and the creation
//! time (2); unhashed, the issuer key ID (16), which rpm 4.18 uses to find the key. The key is
//! read and unlocked once; signing is then deterministic (RSA PKCS#1 v1.5, EdDSA) for a given
//! creation time.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use pgp::composed::{Deserializable, SignedPublicKey, SignedSecretKey};
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::ser::Serialize as _;
use pgp::types::{KeyDetails, Password, SecretParams, Timestamp};

use crate::format::rpmheader::SigTag;
use crate::inventory::display_path;

/// Largest key file read (a secret key with its subkeys and signatures is a few KiB).
const MAX_KEY_FILE: u64 = 1 << 20;

/// The signing key of a split, loaded and unlocked. `Sync`: one is shared by the writers.
pub struct SigningKey {
    key: Key,
    /// Where it came from, for messages.
    path: PathBuf,
}

enum Key {
    Primary(pgp::packet::SecretKey),
    Subkey(pgp::packet::SecretSubkey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("path", &self.path)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

/// Why `--sign-key` cannot be used. Messages name the flag and the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {flag} {}", display_path(.path))]
    Read {
        flag: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--sign-key {}: {what}", display_path(.path))]
    Key { path: PathBuf, what: String },
    #[error(
        "--sign-key {}: wrong passphrase (from --sign-key-passphrase-file {})",
        display_path(.path),
        display_path(.passphrase_file)
    )]
    WrongPassphrase {
        path: PathBuf,
        passphrase_file: PathBuf,
    },
}

impl KeyError {
    /// What to do about it.
    pub fn note(&self) -> Option<&'static str> {
        match self {
            KeyError::Key { what, .. } if what.starts_with("is a public key") => {
                Some("export the secret key: gpg --export-secret-keys --armor KEYID > FILE")
            }
            KeyError::Key { what, .. } if what.contains("passphrase") => {
                Some("pass --sign-key-passphrase-file FILE (its first line is the passphrase)")
            }
            _ => None,
        }
    }
}

fn read_limited(flag: &'static str, path: &Path) -> Result<Vec<u8>, KeyError> {
    let err = |source| KeyError::Read {
        flag,
        path: path.to_owned(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(err)?
        .take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(err(std::io::Error::other(format!(
            "larger than {MAX_KEY_FILE} bytes"
        ))));
    }
    Ok(bytes)
}

fn is_armored(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN PGP")
}

fn parse<T: Deserializable>(bytes: &[u8]) -> pgp::errors::Result<T> {
    if is_armored(bytes) {
        T::from_armor_single(bytes).map(|(k, _)| k)
    } else {
        T::from_bytes(bytes)
    }
}

/// Whether a key of this algorithm can sign for rpm 4.18 (`makeSigTag()`: RSA, DSA, EdDSA).
fn rpm_supports(alg: PublicKeyAlgorithm) -> bool {
    matches!(
        alg,
        PublicKeyAlgorithm::RSA | PublicKeyAlgorithm::DSA | PublicKeyAlgorithm::EdDSALegacy
    )
}

impl SigningKey {
    /// Read the secret key in `path` (ASCII-armored or binary) and unlock it with the first line
    /// of `passphrase_file`. The signing key is, as gpg picks it, the last subkey whose binding
    /// signature allows signing, else the primary key.
    pub fn load(path: &Path, passphrase_file: Option<&Path>) -> Result<SigningKey, KeyError> {
        let bad = |what: String| KeyError::Key {
            path: path.to_owned(),
            what,
        };
        let bytes = read_limited("--sign-key", path)?;
        let passphrase = match passphrase_file {
            Some(p) => {
                let text = read_limited("--sign-key-passphrase-file", p)?;
                let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
                Some(line.strip_suffix(b"\r").unwrap_or(line).to_vec())
            }
            None => None,
        };
        let secret: SignedSecretKey = match parse(&bytes) {
            Ok(k) => k,
            Err(e) => {
                if parse::<SignedPublicKey>(&bytes).is_ok() {
                    return Err(bad("is a public key; --sign-key needs a secret key".into()));
                }
                return Err(bad(format!("not an OpenPGP secret key: {}", reason(&e))));
            }
        };
        let now = Timestamp::now().as_secs();
        let (mut key, params) = match usable_signer(&secret, now).map_err(bad)? {
            Some(i) => {
                let s = &secret.secret_subkeys[i];
                (Key::Subkey(s.key.clone()), s.key.secret_params())
            }
            None => (
                Key::Primary(secret.primary_key.clone()),
                secret.primary_key.secret_params(),
            ),
        };
        let alg = match &key {
            Key::Primary(k) => k.algorithm(),
            Key::Subkey(k) => k.algorithm(),
        };
        if !rpm_supports(alg) {
            return Err(bad(format!(
                "its signing key is {alg:?}; rpm 4.18 verifies RSA, DSA and EdDSA signatures only"
            )));
        }
        if let SecretParams::Encrypted(_) = params {
            let (Some(pass), Some(pass_file)) = (passphrase, passphrase_file) else {
                return Err(bad("is protected by a passphrase".into()));
            };
            let pw = Password::from(pass.as_slice());
            let unlocked = match &mut key {
                Key::Primary(k) => k.remove_password(&pw),
                Key::Subkey(k) => k.remove_password(&pw),
            };
            if unlocked.is_err() {
                return Err(KeyError::WrongPassphrase {
                    path: path.to_owned(),
                    passphrase_file: pass_file.to_owned(),
                });
            }
        }
        let key = SigningKey {
            key,
            path: path.to_owned(),
        };
        // Fail now, not in the middle of the writing, if the key cannot sign.
        key.sign(b"rpmsplit", 0).map_err(|e| match e {
            SignError(what) => bad(format!("cannot sign with it: {what}")),
        })?;
        Ok(key)
    }

    /// Hex fingerprint of the signing (sub)key.
    pub fn fingerprint(&self) -> String {
        match &self.key {
            Key::Primary(k) => k.fingerprint().to_string(),
            Key::Subkey(k) => k.fingerprint().to_string(),
        }
    }

    /// The signature tag rpm 4.18 stores a header-only signature by this key under.
    pub(super) fn header_tag(&self) -> SigTag {
        match self.algorithm() {
            PublicKeyAlgorithm::RSA => SigTag::RSAHEADER,
            _ => SigTag::DSAHEADER,
        }
    }

    fn algorithm(&self) -> PublicKeyAlgorithm {
        match &self.key {
            Key::Primary(k) => k.algorithm(),
            Key::Subkey(k) => k.algorithm(),
        }
    }

    /// A detached v4 binary signature packet (with its packet header) over `data`, SHA-256,
    /// made at `created` (seconds since the epoch).
    pub fn sign(&self, data: &[u8], created: u32) -> Result<Vec<u8>, SignError> {
        let (fingerprint, key_id) = match &self.key {
            Key::Primary(k) => (k.fingerprint(), k.legacy_key_id()),
            Key::Subkey(k) => (k.fingerprint(), k.legacy_key_id()),
        };
        let e = |e: pgp::errors::Error| SignError(reason(&e));
        let mut config = SignatureConfig::v4(
            SignatureType::Binary,
            self.algorithm(),
            HashAlgorithm::Sha256,
        );
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::IssuerFingerprint(fingerprint)).map_err(e)?,
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                created,
            )))
            .map_err(e)?,
        ];
        config.unhashed_subpackets =
            vec![Subpacket::regular(SubpacketData::IssuerKeyId(key_id)).map_err(e)?];
        let pw = Password::empty();
        let sig = match &self.key {
            Key::Primary(k) => config.sign(k, &pw, data),
            Key::Subkey(k) => config.sign(k, &pw, data),
        }
        .map_err(e)?;
        Ok(old_format_packet(&sig.to_bytes().map_err(e)?))
    }
}

/// The OpenPGP library's message for `e`, one short line: its `InvalidPacketContent` prints
/// the inner error with `{:?}`, a Rust backtrace included (8 KB for a 16384-bit RSA key), so
/// the inner error's own message is taken, and whatever follows a line break is cut.
fn reason(e: &pgp::errors::Error) -> String {
    let text = match e {
        pgp::errors::Error::InvalidPacketContent { source } => return reason(source),
        e => e.to_string(),
    };
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(200).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// The newest of `sigs` of one of `types` (by creation time).
fn newest<'a>(
    sigs: impl Iterator<Item = &'a pgp::packet::Signature>,
    types: &[SignatureType],
) -> Option<&'a pgp::packet::Signature> {
    sigs.filter(|s| s.typ().is_some_and(|t| types.contains(&t)))
        .max_by_key(|s| s.created().map(|t| t.as_secs()))
}

/// When a key made at `created` expires by its self-signature `sig` (`None`: never).
fn expiry(created: Timestamp, sig: Option<&pgp::packet::Signature>) -> Option<u64> {
    let d = sig?.key_expiration_time()?.as_secs();
    (d != 0).then(|| u64::from(created.as_secs()) + u64::from(d))
}

/// Whether `sig` (a self-signature) lets its key sign: its key flags say so, or it has none
/// (keys older than key flags).
fn may_sign(sig: Option<&pgp::packet::Signature>) -> bool {
    let Some(config) = sig.and_then(|s| s.config()) else {
        return true;
    };
    let has_flags = config
        .hashed_subpackets()
        .any(|p| matches!(p.data, SubpacketData::KeyFlags(_)));
    !has_flags || sig.is_some_and(|s| s.key_flags().sign())
}

/// A date for messages: `YYYY-MM-DD` (UTC) of `secs` since the epoch.
fn date(secs: u64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = (secs / 86400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The key that signs, as gpg picks it: the last subkey that may sign and is neither revoked
/// nor expired at `now` (`Some(index)`), else the primary key (`None`). A revoked or expired
/// primary key, or no key that may sign, is refused: gpg, rpmsign and rpm-sequoia refuse them.
fn usable_signer(secret: &SignedSecretKey, now: u32) -> Result<Option<usize>, String> {
    let now = u64::from(now);
    if !secret.details.revocation_signatures.is_empty() {
        return Err("the key is revoked (it holds a key revocation signature)".into());
    }
    let self_sig = newest(
        (secret.details.users.iter())
            .flat_map(|u| u.signatures.iter())
            .chain(secret.details.direct_signatures.iter()),
        &[
            SignatureType::CertGeneric,
            SignatureType::CertPersona,
            SignatureType::CertCasual,
            SignatureType::CertPositive,
            SignatureType::Key,
        ],
    );
    if let Some(at) = expiry(secret.primary_key.created_at(), self_sig) {
        if at <= now {
            return Err(format!("the key expired on {}", date(at)));
        }
    }
    let mut unusable = Vec::new();
    for (i, sub) in secret.secret_subkeys.iter().enumerate().rev() {
        let binding = newest(sub.signatures.iter(), &[SignatureType::SubkeyBinding]);
        if binding.is_none() || !may_sign(binding) {
            continue;
        }
        let fpr = sub.key.fingerprint();
        if newest(sub.signatures.iter(), &[SignatureType::SubkeyRevocation]).is_some() {
            unusable.push(format!("signing subkey {fpr} is revoked"));
        } else if let Some(at) = expiry(sub.key.created_at(), binding).filter(|&at| at <= now) {
            unusable.push(format!("signing subkey {fpr} expired on {}", date(at)));
        } else {
            return Ok(Some(i));
        }
    }
    if may_sign(self_sig) {
        return Ok(None);
    }
    Err(if unusable.is_empty() {
        "no key of it may sign (its key flags allow no signing)".into()
    } else {
        format!("no key of it may sign: its {}", unusable.join(", its "))
    })
}

/// A signature packet (tag 2) with the old-format header gpg writes (RFC 4880 4.2.1: `0x88`,
/// `0x89` or `0x8a` for a 1-, 2- or 4-byte length), so that our packet is the one
/// `rpmsign --addsign` stores for the same key, data and time, byte for byte.
fn old_format_packet(body: &[u8]) -> Vec<u8> {
    let len = body.len();
    let mut p = Vec::with_capacity(len + 5);
    if len < 1 << 8 {
        p.extend_from_slice(&[0x88, len as u8]);
    } else if len < 1 << 16 {
        p.push(0x89);
        p.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        p.push(0x8a);
        p.extend_from_slice(&(len as u32).to_be_bytes());
    }
    p.extend_from_slice(body);
    p
}

/// Signing failed (the message is the OpenPGP library's).
#[derive(Debug, thiserror::Error)]
#[error("cannot sign: {0}")]
pub struct SignError(pub String);

/// Whether `SigningKey` can be shared by the writer threads.
#[allow(dead_code)]
fn assert_sync() {
    fn is<T: Send + Sync>() {}
    is::<SigningKey>();
}
