//! Signing and verification keys.
//!
//! The service signs with one Ed25519 key kept in the data folder (mode
//! 0600), created on first start; its `kid` is the RFC 7638 thumbprint.
//! Verification keys are chosen by `kid` from configured keys only: ours and
//! those of a trusted identity provider's JWKS file. A `jku` or `x5u` header
//! is never followed.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::TokenSettings;

const KEY_FILE: &str = "signing-key.pem";

/// A key tokens may be verified with.
#[derive(Clone)]
pub struct VerificationKey {
    /// The one algorithm this key is used with.
    pub algorithm: Algorithm,
    pub key: DecodingKey,
    /// The `iss` that tokens signed by this key must carry.
    pub issuer: String,
    /// A key of the municipality's identity provider: its tokens speak for
    /// staff only, never for a machine role or an API client.
    pub identity_provider: bool,
}

/// The signing key and every trusted verification key.
#[derive(Clone)]
pub struct Keys {
    pub kid: String,
    pub issuer: String,
    signing: EncodingKey,
    verification: HashMap<String, VerificationKey>,
    jwks: serde_json::Value,
}

impl Keys {
    /// Loads the signing key from the data folder, creating it on first use,
    /// and adds the trusted keys of the settings.
    /// The keys of an existing data folder: fails, naming the folder, when
    /// it holds no signing key (only `serve` and `migrate` create one, so a
    /// command run from another folder never signs with a key the service
    /// does not know).
    pub fn open(data_dir: &Path, settings: &TokenSettings) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        if !path.exists() {
            anyhow::bail!(
                "no signing key in the data folder {}: point --data-dir (or BISTAND_DATA_DIR) \
                 at the folder the service uses, or create one there with `bistand migrate`",
                absolute(data_dir).display()
            );
        }
        Self::load(data_dir, settings)
    }

    /// The keys of the data folder, creating the folder and the signing key
    /// when missing (for `serve` and `migrate`).
    pub fn load(data_dir: &Path, settings: &TokenSettings) -> anyhow::Result<Self> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let path = data_dir.join(KEY_FILE);
        let signing_key = if path.exists() {
            read_key(&path)?
        } else {
            create_key(&path)?
        };
        let mut keys = Self::from_signing_key(&signing_key, &settings.issuer)?;
        if let Some(jwks_path) = &settings.trusted_jwks {
            let issuer = settings
                .trusted_issuer
                .clone()
                .context("BISTAND_TRUSTED_ISSUER must be set with BISTAND_TRUSTED_JWKS")?;
            let text = fs::read_to_string(jwks_path)
                .with_context(|| format!("cannot read {}", jwks_path.display()))?;
            keys.trust_jwks(&text, &issuer)?;
        }
        Ok(keys)
    }

    fn from_signing_key(signing_key: &SigningKey, issuer: &str) -> anyhow::Result<Self> {
        let (x, kid) = thumbprint(&signing_key.verifying_key());
        let der = signing_key
            .to_pkcs8_der()
            .context("cannot encode the signing key")?;
        let signing = EncodingKey::from_ed_der(der.as_bytes());
        let decoding = DecodingKey::from_ed_components(&x).context("bad public key")?;
        let mut verification = HashMap::new();
        verification.insert(
            kid.clone(),
            VerificationKey {
                algorithm: Algorithm::EdDSA,
                key: decoding,
                issuer: issuer.to_owned(),
                identity_provider: false,
            },
        );
        let jwks = json!({ "keys": [ {
            "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
        } ] });
        Ok(Self {
            kid,
            issuer: issuer.to_owned(),
            signing,
            verification,
            jwks,
        })
    }

    /// Trusts every key of a JWKS document for tokens from `issuer`. Each key
    /// needs a `kid` and an `alg` of EdDSA or ES256.
    pub fn trust_jwks(&mut self, text: &str, issuer: &str) -> anyhow::Result<()> {
        let set: JwkSet = serde_json::from_str(text).context("the trusted JWKS is not valid")?;
        for jwk in &set.keys {
            let kid = jwk
                .common
                .key_id
                .clone()
                .context("every trusted key needs a kid")?;
            let algorithm = match jwk.common.key_algorithm {
                Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
                Some(jsonwebtoken::jwk::KeyAlgorithm::ES256) => Algorithm::ES256,
                _ => anyhow::bail!("trusted key {kid}: alg must be EdDSA or ES256"),
            };
            let key = DecodingKey::from_jwk(jwk).with_context(|| format!("trusted key {kid}"))?;
            if self.verification.contains_key(&kid) {
                anyhow::bail!("trusted key {kid}: the kid is already in use");
            }
            self.verification.insert(
                kid,
                VerificationKey {
                    algorithm,
                    key,
                    issuer: issuer.to_owned(),
                    identity_provider: true,
                },
            );
        }
        Ok(())
    }

    pub fn signing_key(&self) -> &EncodingKey {
        &self.signing
    }

    pub fn verification_key(&self, kid: &str) -> Option<&VerificationKey> {
        self.verification.get(kid)
    }

    /// The public JWKS document of the signing key.
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }
}

/// An Ed25519 public key's `x` (base64url) and its RFC 7638 thumbprint,
/// the `kid`: the hash of the required members in lexicographic order.
pub(crate) fn thumbprint(key: &ed25519_dalek::VerifyingKey) -> (String, String) {
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    let kid = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(canonical.as_bytes()));
    (x, kid)
}

/// Reads an Ed25519 key (PKCS#8 PEM) that only its owner may read.
pub(crate) fn read_key(path: &Path) -> anyhow::Result<SigningKey> {
    check_mode(path)?;
    let pem =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    SigningKey::from_pkcs8_pem(&pem)
        .with_context(|| format!("{} is not a PKCS#8 Ed25519 key", path.display()))
}

/// Creates a new Ed25519 key file, owner-only (0600); never overwrites one.
pub(crate) fn create_key(path: &Path) -> anyhow::Result<SigningKey> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("cannot encode the new signing key")?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    tracing::info!(file = %path.display(), "created a new key");
    Ok(key)
}

fn check_mode(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            anyhow::bail!(
                "{} is readable by others (mode {mode:o}); run chmod 600 on it",
                path.display()
            );
        }
    }
    Ok(())
}

/// The folder as an absolute path, for messages.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
