//! Settings, from flags and `BISTAND_*` variables (see the README's table).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Where the data lives; shared by every subcommand that touches it.
#[derive(Debug, Clone, Args)]
pub struct StorageSettings {
    /// Folder for the embedded database and the signing key.
    #[arg(
        long,
        env = "BISTAND_DATA_DIR",
        default_value = "./data",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; without it, an SQLite file in the data folder.
    #[arg(
        long,
        env = "BISTAND_DATABASE_URL",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub database_url: Option<String>,
    /// Connections in the read pool (SQLite: at most the number of cores).
    #[arg(
        long,
        env = "BISTAND_DB_POOL_SIZE",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub pool_size: Option<u32>,
}

/// Token settings (docs/access.md).
#[derive(Debug, Clone, Args)]
pub struct TokenSettings {
    /// `iss` of the tokens this service signs.
    #[arg(
        long,
        env = "BISTAND_ISSUER",
        default_value = "bistand",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub issuer: String,
    /// A JWKS file with further trusted public keys (the municipality's identity provider).
    #[arg(
        long,
        env = "BISTAND_TRUSTED_JWKS",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub trusted_jwks: Option<PathBuf>,
    /// The `iss` that tokens signed by the trusted keys carry.
    #[arg(
        long,
        env = "BISTAND_TRUSTED_ISSUER",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub trusted_issuer: Option<String>,
    /// The longest lifetime (`exp` − `iat`) of a token this service accepts
    /// or `bistand token` mints.
    #[arg(long, env = "BISTAND_MAX_TOKEN_LIFETIME", default_value = "12h", value_parser = parse_duration, global = true,
        help_heading = "Settings of every command")]
    pub max_token_lifetime: Duration,
    /// Lifetime of tokens from `POST /oauth/token`.
    #[arg(long, env = "BISTAND_CLIENT_TOKEN_TTL", default_value = "1h", value_parser = parse_duration, global = true,
        help_heading = "Settings of every command")]
    pub client_token_ttl: Duration,
}

/// The audit key and checkpoints (docs/audit.md).
#[derive(Debug, Clone, Args)]
pub struct AuditSettings {
    /// The audit key's file (PKCS#8 PEM, mode 0600), which signs checkpoints
    /// of the audit chain; default `audit-key.pem` in the data folder. Keep
    /// it where those who can write the database cannot read.
    #[arg(
        long,
        env = "BISTAND_AUDIT_KEY",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub audit_key: Option<PathBuf>,
    /// A JWKS file with the public halves of earlier audit keys, whose
    /// checkpoints stay verifiable after the key is replaced.
    #[arg(
        long,
        env = "BISTAND_AUDIT_RETIRED_KEYS",
        global = true,
        help_heading = "Settings of every command"
    )]
    pub audit_retired_keys: Option<PathBuf>,
    /// How often `serve` signs a checkpoint of the audit chain when it has
    /// grown, such as 5m; each is stored and written to the service log.
    #[arg(long, env = "BISTAND_AUDIT_CHECKPOINT_INTERVAL", default_value = "5m", value_parser = parse_duration, global = true,
        help_heading = "Settings of every command")]
    pub checkpoint_interval: Duration,
}

/// Rate limits (docs/limits.md); 0 turns one off.
#[derive(Debug, Clone, Args)]
pub struct LimitSettings {
    /// Requests per second per caller (an API client, or a user by `sub`).
    #[arg(long, env = "BISTAND_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit: u32,
    /// Refusals of access (401, 403, 404) per minute per caller, or per
    /// address for bad tokens; beyond it the caller is answered 429 for a minute.
    #[arg(long, env = "BISTAND_REFUSAL_LIMIT", default_value_t = 60)]
    pub refusal_limit: u32,
    /// Failed token requests per minute per client id and per address;
    /// beyond it `/oauth/token` answers 429 for a minute.
    #[arg(long, env = "BISTAND_LOGIN_FAILURE_LIMIT", default_value_t = 10)]
    pub login_failure_limit: u32,
}

/// How indicators are shown (docs/indicators.md).
#[derive(Debug, Clone, Args)]
pub struct IndicatorSettings {
    /// The smallest count shown to every role but caseworkers: counts from
    /// 1 to one less than this (and shares whose denominator is that small)
    /// come back suppressed, with the cells they could be derived from.
    #[arg(long, env = "BISTAND_SUPPRESSION_THRESHOLD", default_value_t = 5,
        value_parser = clap::value_parser!(i64).range(2..=100))]
    pub suppression_threshold: i64,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub storage: StorageSettings,
    pub tokens: TokenSettings,
    pub audit: AuditSettings,
    pub limits: LimitSettings,
    pub indicators: IndicatorSettings,
    /// Worker threads for HTTP (default: the number of cores).
    pub workers: Option<usize>,
    /// How long a request body may take to arrive before the request is
    /// answered 408.
    pub body_timeout: Duration,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
}

/// Parses `90s`, `15m`, `8h`, `2d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 90s, 15m, 8h or 2d"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("unknown unit in '{text}': use s, m, h or d")),
    };
    if seconds == 0 {
        return Err("a duration must be positive".into());
    }
    Ok(Duration::from_secs(seconds))
}

impl StorageSettings {
    /// The database URL: the configured one, or the embedded SQLite file.
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            self.data_dir
                .join("bistand.db")
                .to_string_lossy()
                .into_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("8h").unwrap(), Duration::from_secs(8 * 3600));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("8x").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
