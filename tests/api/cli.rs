//! The command line as a person uses it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bistand(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bistand"));
    command
        .current_dir(dir)
        .env_remove("BISTAND_DATA_DIR")
        .env_remove("BISTAND_DATABASE_URL")
        .env_remove("BISTAND_DEMO")
        .env("BISTAND_LOG_FORMAT", "text")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn token_from_a_folder_without_a_key_fails_naming_the_folder_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bistand(dir.path())
        .args(["token", "--role", "caseworker", "--municipality", "0483"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("no signing key in the data folder"),
        "{error}"
    );
    assert!(
        error.contains(&dir.path().join("data").display().to_string()),
        "{error}"
    );
    assert!(error.contains("--data-dir"), "{error}");
    assert!(!dir.path().join("data").exists(), "nothing was created");

    let out = bistand(dir.path())
        .args(["client", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database in the data folder"));
    assert!(!dir.path().join("data").exists(), "nothing was created");

    // After `migrate`, the same command signs with the service's key.
    assert!(
        bistand(dir.path())
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = bistand(dir.path())
        .args(["token", "--role", "caseworker", "--municipality", "0483"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches('.').count(),
        2,
        "a JWT"
    );
}

/// Starts `serve` with `env`, reads its standard output until it says it
/// listens (or fails), and stops it.
/// What `serve` prints until a line with `until` (or 30 seconds).
fn serve_output(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    bind: &str,
    until: &str,
) -> (String, String) {
    let mut command = bistand(dir);
    command
        .args(["serve", "--bind", bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for line in stdout.lines() {
        let line = line.unwrap_or_default();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(until) || Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    (seen, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn boolean_settings_read_1_and_yes() {
    for value in ["1", "yes"] {
        let dir = tempfile::tempdir().unwrap();
        // The demo persons come first, before the history is sent.
        let (stdout, stderr) = serve_output(
            dir.path(),
            &[("BISTAND_DEMO", value)],
            "127.0.0.1:0",
            "Demo data:",
        );
        assert!(
            stdout.contains("Demo data:"),
            "BISTAND_DEMO={value}: {stdout} {stderr}"
        );
    }
}

#[test]
fn a_busy_port_is_named_with_the_setting_to_change() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = bistand(dir.path())
        .args(["serve", "--bind", &address])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains(&format!("cannot listen on {address}")),
        "{error}"
    );
    assert!(error.contains("BISTAND_BIND"), "{error}");
}

#[test]
fn help_names_the_log_settings_and_the_allowed_roles() {
    let dir = tempfile::tempdir().unwrap();
    let out = bistand(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("BISTAND_LOG_FORMAT") && help.contains("RUST_LOG"),
        "{help}"
    );
    let out = bistand(dir.path())
        .args(["token", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("employment_officer") && help.contains("municipality_office"),
        "{help}"
    );
}

/// Every setting a command takes is in the README's table of settings.
#[test]
fn every_setting_is_documented_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for command in [
        &["serve", "--help"][..],
        &["audit", "verify", "--help"],
        &["token", "--help"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bistand"))
            .args(command)
            .output()
            .unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        for word in help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("BISTAND_") {
                seen.insert(word.to_owned());
            }
        }
    }
    assert!(seen.len() > 15, "{seen:?}");
    let missing: Vec<_> = seen
        .iter()
        .filter(|v| !readme.contains(&format!("| `{v}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the README's settings: {missing:?}"
    );
}
