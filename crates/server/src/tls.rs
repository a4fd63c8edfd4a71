//! `jindu-server tls init`: a local certificate authority and a server certificate for
//! the machine's LAN names and addresses, so tablets get a secure context (service
//! worker, persistent storage) on the office network.
//!
//! The tablets trust `ca.pem` once; the server presents `cert.pem` / `key.pem`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// What `tls init` wrote.
#[derive(Debug)]
pub struct Issued {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub names: Vec<String>,
}

/// The names and addresses this machine answers to on the LAN, plus `extra`.
pub fn lan_names(extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into()];
    if let Ok(h) = fs::read_to_string("/proc/sys/kernel/hostname") {
        let h = h.trim();
        if !h.is_empty() {
            names.push(h.to_owned());
            names.push(format!("{h}.local"));
        }
    }
    if let Ok(ifaces) = if_addrs::get_if_addrs() {
        for i in ifaces.into_iter().filter(|i| !i.is_loopback()) {
            names.push(i.ip().to_string());
        }
    }
    names.extend(extra.iter().cloned());
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

fn write_private(path: &Path, pem: &str) -> io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    opts.open(path)?.write_all(pem.as_bytes())
}

/// Issues a CA and a server certificate for `names` into `dir`. Refuses to replace an
/// existing set unless `force` (tablets would have to trust the new CA again).
pub fn init(dir: &Path, names: &[String], force: bool) -> Result<Issued, String> {
    let ca_path = dir.join("ca.pem");
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    if ca_path.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to issue new certificates (every tablet must then trust the new ca.pem)",
            ca_path.display()
        ));
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let err = |e: rcgen::Error| format!("certificate generation failed: {e}");
    let today = chrono::Utc::now().date_naive();
    let ymd = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let not_before = ymd(today - chrono::Days::new(1));
    // iOS accepts server certificates valid for at most 825 days.
    let not_after = ymd(today + chrono::Days::new(820));

    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Jindu office CA");
    dn.push(DnType::OrganizationName, "Jindu");
    ca.distinguished_name = dn;
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = ymd(today + chrono::Days::new(3650));
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::new(names.to_vec()).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        names.get(2).or(names.first()).cloned().unwrap_or_default(),
    );
    params.distinguished_name = dn;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.signed_by(&key, &ca_cert, &ca_key).map_err(err)?;

    let io = |e: io::Error| format!("cannot write certificates into {}: {e}", dir.display());
    fs::write(&ca_path, ca_cert.pem()).map_err(io)?;
    fs::write(&cert_path, format!("{}{}", cert.pem(), ca_cert.pem())).map_err(io)?;
    write_private(&key_path, &key.serialize_pem()).map_err(io)?;
    Ok(Issued {
        ca: ca_path,
        cert: cert_path,
        key: key_path,
        names: names.to_vec(),
    })
}
