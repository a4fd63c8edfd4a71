//! The deployment files in `deploy/`: the systemd unit verifies with `systemd-analyze`
//! (where it is installed) and its command line is one the server accepts.

mod common;

use std::process::Command;

use common::temp_dir;

const UNIT: &str = include_str!("../../../deploy/jindu.service");
const INSTALLED: &str = "/usr/local/bin/jindu-server";

/// The unit's `ExecStart` arguments after the binary.
fn exec_start_args() -> Vec<&'static str> {
    let line = UNIT
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart");
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some(INSTALLED));
    words.collect()
}

#[test]
fn the_units_command_line_is_one_the_server_accepts() {
    // --version after the flags: parsed (a flag unknown or a value unreadable fails)
    // and nothing started.
    let out = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args(exec_start_args())
        .arg("--version")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("jindu-server "));
}

#[test]
fn the_systemd_unit_verifies() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "note: systemd-analyze is not installed here; deploy/jindu.service was not verified"
        );
        return;
    }
    // verify checks that the command exists: point it at the binary under test.
    let dir = temp_dir("unit");
    let path = dir.join("jindu.service");
    std::fs::write(
        &path,
        UNIT.replace(INSTALLED, env!("CARGO_BIN_EXE_jindu-server")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    // An unknown key or a bad value is only a warning (exit status 0): fail on any
    // line about this unit.
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let about: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("jindu.service"))
        .collect();
    assert!(
        out.status.success() && about.is_empty(),
        "systemd-analyze verify: {said}"
    );
}
