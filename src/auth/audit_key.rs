//! The audit key: an Ed25519 key, apart from the token-signing key and kept
//! outside the database, that signs checkpoints of the audit chain. One who
//! can write the database but cannot read this file cannot sign a
//! checkpoint, so a chain rewritten behind a checkpoint is named by
//! verification. Earlier audit keys stay trusted for verification through a
//! file of their public halves (docs/audit.md, key rotation).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::json;

use super::keys::{absolute, create_key, read_key, thumbprint};
use crate::config::AuditSettings;
use crate::domain::audit::Checkpoint;

/// The audit key's file: the setting, or `audit-key.pem` in the data folder.
pub fn key_path(settings: &AuditSettings, data_dir: &Path) -> PathBuf {
    settings
        .audit_key
        .clone()
        .unwrap_or_else(|| data_dir.join("audit-key.pem"))
}

/// The key that signs checkpoints.
pub struct AuditKey {
    key: SigningKey,
    kid: String,
}

impl AuditKey {
    /// The audit key, created (0600) when `create` and it is missing; only
    /// `serve` and `migrate` create one.
    pub fn load(path: &Path, create: bool) -> anyhow::Result<Self> {
        let key = if path.exists() {
            read_key(path)?
        } else if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            }
            create_key(path)?
        } else {
            anyhow::bail!(
                "no audit key at {}: set --audit-key (or BISTAND_AUDIT_KEY) to the file the \
                 service uses, or create one with `bistand migrate`",
                absolute(path).display()
            );
        };
        let (_, kid) = thumbprint(&key.verifying_key());
        Ok(Self { key, kid })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs the statement that record `seq` had `hash` at `now`.
    pub fn sign(&self, seq: i64, hash: &str, now: DateTime<Utc>) -> Checkpoint {
        let signed_at = crate::domain::time::truncate(now);
        let statement = Checkpoint::statement(seq, hash, signed_at);
        let signature = self.key.sign(statement.as_bytes());
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            signed_at,
            kid: self.kid.clone(),
            signature: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
        }
    }

    /// The public half as a JWK, to keep when the key is replaced.
    pub fn public_jwk(&self) -> serde_json::Value {
        let (x, kid) = thumbprint(&self.key.verifying_key());
        json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig" })
    }

    /// This key's public half alone, to verify what it signed.
    pub fn own_keyring(&self) -> AuditKeyring {
        AuditKeyring {
            keys: HashMap::from([(self.kid.clone(), self.key.verifying_key())]),
        }
    }

    /// The keys checkpoints are verified with: this one and the earlier
    /// ones of the JWKS file `retired`, when set.
    pub fn keyring(&self, retired: Option<&Path>) -> anyhow::Result<AuditKeyring> {
        let mut ring = self.own_keyring();
        if let Some(path) = retired {
            ring.keys.extend(AuditKeyring::from_jwks(path)?.keys);
        }
        Ok(ring)
    }
}

fn public_key(jwk: &serde_json::Value) -> anyhow::Result<VerifyingKey> {
    anyhow::ensure!(
        jwk["kty"] == "OKP" && jwk["crv"] == "Ed25519",
        "not OKP/Ed25519"
    );
    let x = URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().context("no x")?)
        .context("x is not base64url")?;
    let bytes: [u8; 32] = x.try_into().ok().context("x is not 32 bytes")?;
    VerifyingKey::from_bytes(&bytes).context("x is not a valid Ed25519 key")
}

/// The public audit keys, current and retired, by `kid`.
#[derive(Clone)]
pub struct AuditKeyring {
    keys: HashMap<String, VerifyingKey>,
}

impl AuditKeyring {
    /// The public audit keys of a JWKS file (`{"keys": [...]}`, each as
    /// `bistand audit key` prints it), to verify where the private key is
    /// not. Each key's id is its thumbprint, never the file's word for it.
    pub fn from_jwks(path: &Path) -> anyhow::Result<Self> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let set: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JWKS document", path.display()))?;
        let list = set["keys"]
            .as_array()
            .with_context(|| format!("{} has no \"keys\" array", path.display()))?;
        let mut keys = HashMap::new();
        for jwk in list {
            let key = public_key(jwk)
                .with_context(|| format!("a key in {} is not an Ed25519 JWK", path.display()))?;
            let (_, kid) = thumbprint(&key);
            keys.insert(kid, key);
        }
        anyhow::ensure!(!keys.is_empty(), "{} holds no key", path.display());
        Ok(Self { keys })
    }

    /// These keys and those of `other`.
    pub fn and(mut self, other: AuditKeyring) -> Self {
        self.keys.extend(other.keys);
        self
    }

    /// Whether `checkpoint` carries a valid signature of one of these keys.
    pub fn holds(&self, checkpoint: &Checkpoint) -> bool {
        let Some(key) = self.keys.get(&checkpoint.kid) else {
            return false;
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(&checkpoint.signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&bytes) else {
            return false;
        };
        let statement =
            Checkpoint::statement(checkpoint.seq, &checkpoint.hash, checkpoint.signed_at);
        key.verify(statement.as_bytes(), &signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_as_signed_and_only_with_a_known_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = AuditKey::load(&dir.path().join("a.pem"), true).unwrap();
        let other = AuditKey::load(&dir.path().join("b.pem"), true).unwrap();
        let now = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let ring = key.keyring(None).unwrap();
        let good = key.sign(7, "ab", now);
        assert!(ring.holds(&good));
        for changed in [
            Checkpoint {
                seq: 6,
                ..good.clone()
            },
            Checkpoint {
                hash: "ac".into(),
                ..good.clone()
            },
            Checkpoint {
                signed_at: now + chrono::Duration::seconds(1),
                ..good.clone()
            },
        ] {
            assert!(!ring.holds(&changed));
        }
        assert!(!ring.holds(&other.sign(7, "ab", now)), "an unknown key");

        // A retired key stays trusted through the file of public keys.
        let retired = dir.path().join("retired.json");
        fs::write(
            &retired,
            json!({ "keys": [other.public_jwk()] }).to_string(),
        )
        .unwrap();
        assert!(
            key.keyring(Some(&retired))
                .unwrap()
                .holds(&other.sign(7, "ab", now))
        );
    }
}
