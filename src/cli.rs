//! Subcommands: serve, migrate, token, client, demo, purge, audit, openapi.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand};

use crate::auth::audit_key::{self, AuditKey, AuditKeyring};
use crate::auth::token::{MintRequest, mint};
use crate::auth::{Keys, Role, Unit, secrets};
use crate::config::{
    AuditSettings, IndicatorSettings, LimitSettings, Settings, StorageSettings, TokenSettings,
    parse_duration,
};
use crate::db::audit;
use crate::db::{Db, clients};
use crate::domain::audit::Checkpoint;
use crate::domain::{Municipality, time};
use crate::startup::Application;
use crate::{demo, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "bistand",
    version,
    about = "Integration API for economic assistance and labour-market work",
    after_help = "Logging: BISTAND_LOG_FORMAT=text for readable lines (default: JSON lines); \
RUST_LOG sets the level (default: info), such as RUST_LOG=debug.\n\
Every option can also be set with the BISTAND_* variable shown beside it; a flag wins over its variable."
)]
struct Cli {
    #[command(flatten)]
    storage: StorageSettings,
    #[command(flatten)]
    tokens: TokenSettings,
    #[command(flatten)]
    audit: AuditSettings,
    #[command(subcommand)]
    command: Command,
}

/// The roles a token can carry.
fn role_parser() -> impl TypedValueParser<Value = Role> {
    clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .try_map(|s| s.parse::<Role>())
}

/// The units a token can carry.
fn unit_parser() -> impl TypedValueParser<Value = Unit> {
    clap::builder::PossibleValuesParser::new(Unit::ALL.map(Unit::as_str))
        .try_map(|s| s.parse::<Unit>())
}

/// Who a token, or an API client's tokens, speak for.
#[derive(Debug, clap::Args)]
struct CallerArgs {
    /// The role the token carries (for API clients usually eservice,
    /// case_system or analyst).
    #[arg(long, value_parser = role_parser())]
    role: Role,
    /// The municipalities it serves: SCB codes, comma-separated, such as
    /// 0483 (Katrineholm) or 0483,0428 (and Vingåker).
    #[arg(long, value_delimiter = ',', required = true)]
    municipality: Vec<String>,
    /// The caller's organisation (default: the role's own).
    #[arg(long, value_parser = unit_parser())]
    unit: Option<Unit>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (creates the data folder, the database and the
    /// signing key when they are not there yet).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BISTAND_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load the demo data and print a ready token for each role
        /// (1/0, true/false, yes/no, on/off).
        #[arg(long, env = "BISTAND_DEMO", action = clap::ArgAction::SetTrue,
              value_parser = clap::builder::BoolishValueParser::new())]
        demo: bool,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "BISTAND_WORKERS")]
        workers: Option<usize>,
        /// How long a request body may take to arrive, such as 30s; a
        /// stalled one is answered 408 and its connection closed.
        #[arg(long, env = "BISTAND_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
        body_timeout: Duration,
        /// A secret that `/metrics` requires as `Authorization: Bearer`;
        /// without it, `/metrics` is open (keep it off the public network).
        #[arg(long, env = "BISTAND_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        #[command(flatten)]
        limits: LimitSettings,
        #[command(flatten)]
        indicators: IndicatorSettings,
    },
    /// Create the data folder, apply pending migrations and create the
    /// signing key if missing, then exit.
    Migrate,
    /// Print one signed development token on stdout, signed with the key in
    /// the data folder (which `serve` or `migrate` creates).
    Token {
        #[command(flatten)]
        caller: CallerArgs,
        /// The subject (`sub`); by default `dev-<role>`.
        #[arg(long)]
        sub: Option<String>,
        /// How long the token is valid, such as 90s, 15m, 8h or 2d.
        #[arg(long, default_value = "8h", value_parser = parse_duration)]
        ttl: Duration,
    },
    /// Manage API clients of the client-credentials grant.
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Load the demo data (published test numbers only) into the database.
    Demo,
    /// Delete person-level data five years after the person's last entry
    /// (BR-11), keeping persons born on the 5th, 15th and 25th; the
    /// indicators do not change.
    Purge {
        /// Count what would go, and delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Print the OpenAPI contract.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum ClientAction {
    /// Register a client; prints its id and secret (the secret only this once).
    Add {
        #[command(flatten)]
        caller: CallerArgs,
        /// A name to recognise the client by, such as treserva.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List clients (never their secrets).
    List,
    /// Revoke a client: its tokens are refused at once.
    Revoke {
        /// The client's id, as `client add` and `client list` print it.
        client_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Walk the hash chain and hold it against the signed checkpoints; exits
    /// 1 and names the first broken link if any.
    Verify {
        /// A file of checkpoints kept outside the database, one JSON object
        /// per line as `audit checkpoint` prints them (repeatable).
        #[arg(long)]
        checkpoint: Vec<std::path::PathBuf>,
        /// Verify with the public audit keys of this JWKS file
        /// (`{"keys": [...]}`, each as `audit key` prints it) instead of the
        /// audit key file, where the private key is not kept.
        #[arg(long)]
        public_keys: Option<std::path::PathBuf>,
    },
    /// Sign a checkpoint of the chain's head now, store it, and print it as
    /// one JSON line to keep elsewhere (append it to a file on another
    /// system). Only a chain that extends the latest checkpoint (stored, or
    /// in the files given) is signed.
    Checkpoint {
        /// A file of checkpoints kept outside the database, one JSON object
        /// per line (repeatable).
        #[arg(long)]
        checkpoint: Vec<std::path::PathBuf>,
    },
    /// Print the audit key's public half as a JWK (keep it when the key is
    /// replaced, in the file BISTAND_AUDIT_RETIRED_KEYS names).
    Key,
}

/// Runs the command line; the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging();
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", crate::error::redact_digits(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn municipalities(codes: &[String]) -> anyhow::Result<Vec<Municipality>> {
    codes
        .iter()
        .map(|c| {
            Municipality::parse(c.trim())
                .ok_or_else(|| anyhow::anyhow!("'{c}' is not a four-digit municipality code"))
        })
        .collect()
}

fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            bind,
            demo,
            workers,
            body_timeout,
            metrics_token,
            limits,
            indicators,
        } => {
            let settings = Settings {
                bind,
                storage: cli.storage,
                tokens: cli.tokens,
                audit: cli.audit,
                limits,
                indicators,
                workers,
                body_timeout,
                metrics_token,
            };
            serve(settings, demo)?;
        }
        Command::Migrate => {
            Db::open(&cli.storage)?;
            Keys::load(&cli.storage.data_dir, &cli.tokens)?;
            let audit_key = audit_key::key_path(&cli.audit, &cli.storage.data_dir);
            AuditKey::load(&audit_key, true)?;
            println!(
                "migrations applied; signing key in {}; audit key {}",
                cli.storage.data_dir.display(),
                audit_key.display()
            );
        }
        Command::Token {
            caller:
                CallerArgs {
                    role,
                    municipality,
                    unit,
                },
            sub,
            ttl,
        } => {
            if ttl > cli.tokens.max_token_lifetime {
                anyhow::bail!(
                    "--ttl is longer than the longest token lifetime accepted ({}s, BISTAND_MAX_TOKEN_LIFETIME)",
                    cli.tokens.max_token_lifetime.as_secs()
                );
            }
            let keys = Keys::open(&cli.storage.data_dir, &cli.tokens)?;
            let token = mint(
                &keys,
                &MintRequest {
                    subject: sub.unwrap_or_else(|| format!("dev-{role}")),
                    role,
                    unit,
                    municipalities: municipalities(&municipality)?,
                    ttl,
                    client_id: None,
                },
            )?;
            println!("{token}");
        }
        Command::Client { action } => client(&cli.storage, action)?,
        Command::Demo => {
            let db = Db::open(&cli.storage)?;
            let loaded = demo::load(&db, time::system_now())?;
            print_demo_persons(&loaded);
            let keys = Arc::new(Keys::load(&cli.storage.data_dir, &cli.tokens)?);
            let history = actix_web::rt::System::new().block_on(demo::history::load(
                &cli.storage,
                &cli.tokens,
                &cli.audit,
                &db,
                keys,
            ))?;
            print_history(&history);
        }
        Command::Purge { dry_run } => {
            let db = Db::open_existing(&cli.storage)?;
            let report = crate::purge::run(&db, time::system_now(), dry_run)?;
            print_purge(&report);
        }
        Command::Audit { action } => return audit_command(&cli.storage, &cli.audit, action),
        Command::Openapi => print!("{}", crate::openapi::json()),
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_command(
    storage: &StorageSettings,
    settings: &AuditSettings,
    action: AuditAction,
) -> anyhow::Result<ExitCode> {
    let key = || AuditKey::load(&audit_key::key_path(settings, &storage.data_dir), false);
    let retired = settings.audit_retired_keys.as_deref();
    match action {
        AuditAction::Verify {
            checkpoint,
            public_keys,
        } => {
            let keys = match public_keys {
                Some(path) => {
                    let ring = AuditKeyring::from_jwks(&path)?;
                    match retired {
                        Some(r) => ring.and(AuditKeyring::from_jwks(r)?),
                        None => ring,
                    }
                }
                None => key()?.keyring(retired)?,
            };
            let mut external = Vec::new();
            for path in &checkpoint {
                external.extend(read_checkpoints(path)?);
            }
            let db = Db::open_existing(storage)?;
            let result = db.write_blocking(|conn, _| Ok(audit::verify(conn, &keys, &external)?))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            if !result.valid {
                return Ok(ExitCode::FAILURE);
            }
        }
        AuditAction::Checkpoint { checkpoint } => {
            let mut kept = Vec::new();
            for path in &checkpoint {
                kept.extend(read_checkpoints(path)?);
            }
            let db = Db::open_existing(storage)?;
            let now = time::system_now();
            let key = key()?;
            match db.write_blocking(|conn, _| Ok(audit::checkpoint(conn, &key, now, &kept)?))? {
                Ok(Some(c)) => println!("{}", serde_json::to_string(&c)?),
                Ok(None) => anyhow::bail!("the audit log is empty: there is nothing to sign yet"),
                Err(reason) => anyhow::bail!(
                    "not signed: the audit chain does not extend its last checkpoint ({reason}); \
                     run `bistand audit verify` and look into it"
                ),
            }
        }
        AuditAction::Key => println!("{}", key()?.public_jwk()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Checkpoints from a file, one JSON object per line (blank lines skipped).
fn read_checkpoints(path: &std::path::Path) -> anyhow::Result<Vec<Checkpoint>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!("{} line {}: not a checkpoint: {e}", path.display(), i + 1)
            })
        })
        .collect()
}

fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        // The demo is loaded before the service listens, so that nothing
        // reads it half-sent.
        let loaded = if demo {
            let db = Db::open(&settings.storage)?;
            let loaded = demo::load(&db, time::system_now())?;
            print_demo_persons(&loaded);
            println!("Sending the demo history through the API ...");
            let keys = Arc::new(Keys::load(&settings.storage.data_dir, &settings.tokens)?);
            let history = demo::history::load(
                &settings.storage,
                &settings.tokens,
                &settings.audit,
                &db,
                keys,
            )
            .await?;
            print_history(&history);
            Some(loaded)
        } else {
            None
        };
        let app = Application::build(&settings)?;
        if let Some(loaded) = loaded {
            print_demo_tokens(&app.keys(), &loaded, app.port())?;
        }
        tracing::info!(port = app.port(), "listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn print_purge(report: &crate::purge::Report) {
    let verb = if report.dry_run {
        "would be purged"
    } else {
        "purged"
    };
    println!("{} persons held; {} {verb}", report.persons, report.purged);
    println!(
        "kept: {} with an entry in the last five years, {} born on the 5th, 15th or 25th, {} sharing records with someone kept",
        report.recent, report.kept_for_research, report.kept_with_others
    );
    for (table, rows) in &report.deleted {
        println!("  {table}: {rows} rows deleted");
    }
    if report.dry_run {
        println!("dry run: nothing was deleted");
    }
}

fn print_history(history: &demo::history::Report) {
    if history.already {
        println!("The demo history of 2017 to May 2019 is there already.");
    } else {
        println!(
            "Demo history of 2017 to May 2019 sent through the API ({} requests): {} households granted in {} household-months, {} referrals to Viadidakt.",
            history.requests, history.households, history.household_months, history.referrals
        );
    }
}

fn print_demo_persons(demo: &demo::Demo) {
    println!(
        "Demo data: {} persons ({} added now), all with Skatteverket's published test numbers:",
        demo.persons.len(),
        demo.added
    );
    for p in &demo.persons {
        let consents: Vec<&str> = p.consents.iter().map(|r| r.as_str()).collect();
        let notes = [
            (p.protected_identity, "protected identity".to_owned()),
            (
                !consents.is_empty(),
                format!("consents to {}", consents.join(" and ")),
            ),
        ];
        let notes: Vec<&str> = notes
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n.as_str())
            .collect();
        println!(
            "  {}  {:<20} {}  {}",
            p.municipality,
            p.name,
            p.id,
            notes.join("; ")
        );
    }
}

fn print_demo_tokens(keys: &Arc<Keys>, demo: &demo::Demo, port: u16) -> anyhow::Result<()> {
    let all = municipalities(&["0483".into(), "0428".into()])?;
    println!("\nTokens for 0483 and 0428, valid for 8 hours:");
    for role in Role::ALL {
        let token = mint(
            keys,
            &MintRequest {
                subject: format!("demo-{role}"),
                role,
                unit: None,
                municipalities: all.clone(),
                ttl: Duration::from_secs(8 * 3600),
                client_id: None,
            },
        )?;
        println!("export {}_TOKEN={token}", role.as_str().to_uppercase());
    }
    let first = demo.persons.first().map_or("", |p| p.id.as_str());
    println!(
        "\nThe AF officer's token sees the persons with a consent to AF; the coach's sees the \
         persons of the demo history's open referrals to Viadidakt (GET \
         /api/v1/0483/referrals?assigned_to=me).\n\
         Paste the export lines above into your shell, then try:\n  \
         curl -s localhost:{port}/api/v1/0483/applicants/{first} -H \"Authorization: Bearer $CASEWORKER_TOKEN\"\n\
         Listening on port {port}; interactive docs at http://localhost:{port}/docs/"
    );
    Ok(())
}

fn client(storage: &StorageSettings, action: ClientAction) -> anyhow::Result<()> {
    let db = Db::open_existing(storage)?;
    match action {
        ClientAction::Add {
            caller:
                CallerArgs {
                    role,
                    municipality,
                    unit,
                },
            name,
        } => {
            let municipalities = municipalities(&municipality)?;
            let secret = secrets::generate();
            let row = clients::ClientRow {
                client_id: uuid::Uuid::new_v4().to_string(),
                name,
                secret_hash: secrets::hash(&secret)?,
                role: role.as_str().into(),
                unit: unit.unwrap_or_else(|| role.default_unit()).as_str().into(),
                municipalities: municipalities
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                created_at: time::system_now().naive_utc(),
                revoked_at: None,
            };
            db.write_blocking(|conn, _| Ok(clients::insert(conn, &row)?))?;
            println!("client_id:     {}", row.client_id);
            println!("client_secret: {secret}");
            println!("(the secret is shown only now; only its hash is stored)");
        }
        ClientAction::List => {
            let rows = db.write_blocking(|conn, _| Ok(clients::list(conn)?))?;
            for c in rows {
                let state = if c.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<18} {:<10} {:<8} {}",
                    c.client_id, c.role, c.municipalities, state, c.name
                );
            }
        }
        ClientAction::Revoke { client_id } => {
            let now = time::system_now().naive_utc();
            let revoked =
                db.write_blocking(|conn, _| Ok(clients::revoke(conn, &client_id, now)?))?;
            if !revoked {
                anyhow::bail!("no active client {client_id}");
            }
            println!("revoked {client_id}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_option_and_argument_has_help_text() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {}: no about", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "bistand", &mut missing);
        assert!(missing.is_empty(), "without help text: {missing:?}");
    }
}
