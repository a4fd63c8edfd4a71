//! The `jindu-server` command: serve, issue TLS certificates, inspect and restore history.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use jindu_core::doc::Doc;
use jindu_core::roles::{self, Role};
use jindu_server::accounts;
use jindu_server::postgres::PgStore;
use jindu_server::s3::{EtagQuoting, S3Store};
use jindu_server::store::{FilePath, FsStore, Precondition, SharedFs, Store};
use jindu_server::{
    app, is_loopback, new_token, seed_store, setup_link, AppState, Config, DEFAULT_MAX_BODY,
    DEFAULT_MAX_MEDIA,
};

/// `--version`: the server's and the embedded app's (see `embedded::version`).
static VERSION: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(jindu_server::embedded::version);

#[derive(Parser)]
#[command(
    name = "jindu-server",
    version = VERSION.as_str(),
    about = "Jindu's shared-file endpoint and web server"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the endpoint and the app (the default).
    Serve,
    /// TLS certificates for the office network.
    Tls {
        #[command(subcommand)]
        command: TlsCommand,
    },
    /// Kept versions of a file.
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
    /// Accounts: each tablet's own token, role and plans (kept in the store).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account and print its one-time setup link.
    Add {
        /// The display name (shown on every record the account writes).
        name: String,
        /// office (edits the plan), inspector (records progress) or viewer (reads).
        #[arg(long)]
        role: String,
        /// A plan the account is limited to (repeatable; none: every plan).
        #[arg(long = "plan")]
        plans: Vec<String>,
        /// The address tablets open the app at (default: from --listen and TLS).
        #[arg(long)]
        url: Option<String>,
    },
    /// List the accounts.
    List,
    /// Revoke an account: its token stops working on every server at once.
    Revoke { name: String },
    /// Change an account's role (office, inspector or viewer); its token stays.
    Role { name: String, role: String },
    /// Give an account a new token and setup link; the old token stops working.
    Rotate {
        name: String,
        /// The address tablets open the app at (default: from --listen and TLS).
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum TlsCommand {
    /// Issue a local CA and a certificate for this machine's LAN names and addresses.
    Init {
        /// Where to write ca.pem, cert.pem and key.pem (default: DATA_DIR/tls).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Another name or address to include (repeatable).
        #[arg(long = "name")]
        names: Vec<String>,
        /// Replace existing certificates.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// List the kept versions of PATH (relative to /files/).
    List { path: String },
    /// Make VERSION of PATH the current file again (tablets then merge their newer state
    /// back in, so nothing they hold is undone).
    Restore { path: String, version: u64 },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "JINDU_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: SocketAddr,
    /// Where the shared files and their history are kept.
    #[arg(
        long,
        env = "JINDU_DATA_DIR",
        default_value = "jindu-data",
        global = true
    )]
    data_dir: PathBuf,
    /// A shared store instead of the data directory, so that several servers can serve
    /// the same files: `postgres://user@host/db` (several hosts and
    /// `target_session_attrs=read-write` follow a failover) or `s3://bucket/prefix`
    /// (endpoint, region and credentials from the AWS_* variables).
    #[arg(long, env = "JINDU_STORE", global = true)]
    store: Option<String>,
    /// How an S3 store wants the ETag in If-Match: `quoted` (AWS S3, MinIO) or
    /// `unquoted` (Ceph RGW 16).
    #[arg(long, env = "JINDU_S3_ETAG", default_value = "quoted", global = true)]
    s3_etag: EtagQuoting,
    /// The built app to serve (index.html is the fallback for deep links); without it,
    /// the app built into this binary, if any (see --version).
    #[arg(long, env = "JINDU_STATIC_DIR", global = true)]
    static_dir: Option<PathBuf>,
    /// A token that may read and write (repeatable; comma-separated in the variable).
    #[arg(
        long = "token",
        env = "JINDU_TOKEN",
        value_delimiter = ',',
        global = true
    )]
    tokens: Vec<String>,
    /// A token that may only read (repeatable).
    #[arg(
        long = "read-token",
        env = "JINDU_READ_TOKEN",
        value_delimiter = ',',
        global = true
    )]
    read_tokens: Vec<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "JINDU_MAX_BODY", default_value_t = DEFAULT_MAX_BODY, global = true)]
    max_body: usize,
    /// Largest accepted media file (an evidence photo) in bytes.
    #[arg(long, env = "JINDU_MAX_MEDIA", default_value_t = DEFAULT_MAX_MEDIA, global = true)]
    max_media: usize,
    /// An origin allowed to call the endpoint from another site (repeatable).
    #[arg(
        long = "allow-origin",
        env = "JINDU_ALLOW_ORIGIN",
        value_delimiter = ',',
        global = true
    )]
    allow_origins: Vec<String>,
    /// Certificate chain (PEM) to serve HTTPS.
    #[arg(long, env = "JINDU_TLS_CERT", requires = "tls_key", global = true)]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) to serve HTTPS.
    #[arg(long, env = "JINDU_TLS_KEY", requires = "tls_cert", global = true)]
    tls_key: Option<PathBuf>,
    /// A reverse proxy whose X-Forwarded-For names the client, for the limit on failed
    /// sign-ins (repeatable).
    #[arg(
        long = "trusted-proxy",
        env = "JINDU_TRUSTED_PROXY",
        value_delimiter = ',',
        global = true
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Versions kept per file.
    #[arg(long, env = "JINDU_KEEP_VERSIONS", default_value_t = 50, global = true)]
    keep_versions: usize,
}

impl ServeArgs {
    /// The shared store named by `--store`; none (an empty value included) means the
    /// data directory.
    fn shared_store(&self) -> Option<&str> {
        self.store.as_deref().filter(|s| !s.is_empty())
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("jindu-server: {msg}");
    std::process::exit(2);
}

/// Loads the token kept in the data dir, creating it (mode 0600) the first time.
fn kept_token(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join(".token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        if !t.trim().is_empty() {
            return Ok(t.trim().to_owned());
        }
    }
    let token = new_token();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(&path)?, token.as_bytes())?;
    Ok(token)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let args = cli.serve;
    match cli.command {
        None | Some(Command::Serve) => {
            let store = open_store(&args).await;
            serve(args, store).await
        }
        Some(Command::Tls {
            command: TlsCommand::Init { dir, names, force },
        }) => {
            let dir = dir.unwrap_or_else(|| args.data_dir.join("tls"));
            let names = jindu_server::tls::lan_names(&names);
            match jindu_server::tls::init(&dir, &names, force) {
                Ok(issued) => {
                    println!("Issued a certificate for: {}", issued.names.join(", "));
                    println!("  CA to trust on tablets: {}", issued.ca.display());
                    println!(
                        "  serve with: --tls-cert {} --tls-key {}",
                        issued.cert.display(),
                        issued.key.display()
                    );
                }
                Err(e) => fail(e),
            }
        }
        Some(Command::History { command }) => {
            let store = open_store(&args).await;
            history(command, store.as_ref()).await
        }
        Some(Command::User { command }) => {
            let store = open_store(&args).await;
            user(command, &args, store.as_ref()).await
        }
    }
}

fn parse_role(role: &str) -> Role {
    Role::parse(role).unwrap_or_else(|| {
        fail(format!(
            "unknown role '{role}': use office, inspector or viewer"
        ))
    })
}

async fn user(command: UserCommand, args: &ServeArgs, store: &dyn Store) {
    let base = |url: Option<String>| {
        url.unwrap_or_else(|| {
            let scheme = if args.tls_cert.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", args.listen)
        })
    };
    let print_link = |account: &accounts::Account, token: &str, base: &str| {
        println!(
            "{} ({}, id {}): open this link once on the tablet; keep it private, it is shown only now:",
            account.name,
            account.role.as_str(),
            account.id
        );
        println!("  {}", setup_link(base, token));
    };
    match command {
        UserCommand::Role { name, role } => {
            let a = accounts::set_role(store, &name, parse_role(&role))
                .await
                .unwrap_or_else(|e| fail(e));
            println!("{} ({}) is now {}", a.name, a.id, a.role.as_str());
        }
        UserCommand::Add {
            name,
            role,
            plans,
            url,
        } => {
            let role = parse_role(&role);
            let (account, token) = accounts::add(store, &name, role, plans)
                .await
                .unwrap_or_else(|e| fail(e));
            print_link(&account, &token, &base(url));
        }
        UserCommand::List => {
            let (list, _) = accounts::load(store).await.unwrap_or_else(|e| fail(e));
            if list.accounts.is_empty() {
                println!("no accounts: the shared tokens (or an open loopback server) apply");
            }
            for a in list.accounts {
                let when = chrono::DateTime::from_timestamp(a.issued as i64, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                let plans = if a.plans.is_empty() {
                    "all plans".to_owned()
                } else {
                    a.plans.join(",")
                };
                let state = if a.revoked { "revoked" } else { "active" };
                println!(
                    "{:<16} {:<10} {:<9} {:<8} {plans}  token issued {when}",
                    a.name,
                    a.id,
                    a.role.as_str(),
                    state
                );
            }
        }
        UserCommand::Revoke { name } => {
            let a = accounts::revoke(store, &name)
                .await
                .unwrap_or_else(|e| fail(e));
            println!("revoked {} ({}): its token no longer works", a.name, a.id);
        }
        UserCommand::Rotate { name, url } => {
            let (account, token) = accounts::rotate(store, &name)
                .await
                .unwrap_or_else(|e| fail(e));
            print_link(&account, &token, &base(url));
        }
    }
}

/// The store the flags name: a shared store, or the data directory by default.
async fn open_store(args: &ServeArgs) -> Arc<dyn Store> {
    match args.shared_store() {
        None => match FsStore::open(&args.data_dir, args.keep_versions) {
            Ok(s) => Arc::new(SharedFs(Arc::new(s))),
            Err(e) => fail(format!(
                "cannot open the data directory {}: {e}",
                args.data_dir.display()
            )),
        },
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            match PgStore::connect(url, args.keep_versions).await {
                Ok(s) => Arc::new(s),
                Err(e) => fail(format!("cannot use the PostgreSQL store: {e}")),
            }
        }
        Some(url) if url.starts_with("s3://") => {
            let store =
                S3Store::open(url, args.s3_etag, args.keep_versions).unwrap_or_else(|e| fail(e));
            if let Err(e) = store.check().await {
                fail(format!("cannot use {url}: {e}"));
            }
            Arc::new(store)
        }
        Some(other) => fail(format!(
            "unknown store '{other}': use postgres://… or s3://…, or leave --store out \
             to keep files in the data directory"
        )),
    }
}

async fn history(command: HistoryCommand, store: &dyn Store) {
    let parse =
        |p: &str| FilePath::parse(p).unwrap_or_else(|e| fail(format!("bad path '{p}': {e}")));
    match command {
        HistoryCommand::List { path } => {
            let path = parse(&path);
            let versions = store.history(&path).await.unwrap_or_else(|e| fail(e));
            if versions.is_empty() {
                println!("no kept versions of {}", path.as_str());
            }
            // Who wrote each version of a plan document, read from what it added.
            let plan_doc = jindu_server::guard::guarded_doc_id(&path).is_some();
            let (list, _) = accounts::load(store).await.unwrap_or_default();
            let mut before: Option<Doc> = None;
            for v in versions {
                let when = chrono::DateTime::from_timestamp(v.written as i64, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                let mut by = String::new();
                if plan_doc {
                    let doc = store
                        .version(&path, v.number)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|b| Doc::from_json(&b).ok());
                    by = match (
                        &doc,
                        roles::writers(before.as_ref(), doc.as_ref().unwrap_or(&Doc::new(""))),
                    ) {
                        (None, _) => "  by ? (does not read)".to_owned(),
                        (_, None) => "  by ? (the oldest kept)".to_owned(),
                        (_, Some(signers)) if signers.is_empty() => {
                            "  by nobody (nothing added)".to_owned()
                        }
                        (_, Some(signers)) => {
                            let names: Vec<String> = signers
                                .iter()
                                .map(|s| {
                                    if s.is_none() {
                                        "a shared token or an open server (unverified)".to_owned()
                                    } else {
                                        let name = list
                                            .accounts
                                            .iter()
                                            .find(|a| *a.id == *s.account)
                                            .map_or(&*s.name, |a| &a.name);
                                        format!("{name} ({})", s.account)
                                    }
                                })
                                .collect();
                            format!("  by {}", names.join(", "))
                        }
                    };
                    before = doc.or(before);
                }
                println!(
                    "{:>6}  {when}  {:>9} bytes  {}{by}",
                    v.number, v.bytes, v.etag
                );
            }
        }
        HistoryCommand::Restore { path, version } => {
            let path = parse(&path);
            let Some(body) = store
                .version(&path, version)
                .await
                .unwrap_or_else(|e| fail(e))
            else {
                fail(format!("{} has no kept version {version}", path.as_str()))
            };
            let pre = match store.get(&path).await.unwrap_or_else(|e| fail(e)) {
                Some(current) => Precondition::IfMatch(current.etag),
                None => Precondition::IfAbsent,
            };
            match store.put(&path, body, pre).await {
                Ok(etag) => println!(
                    "restored version {version} of {} (ETag {etag})",
                    path.as_str()
                ),
                Err(e) => fail(format!(
                    "restore failed (was the file written meanwhile? try again): {e}"
                )),
            }
        }
    }
}

async fn serve(args: ServeArgs, store: Arc<dyn Store>) {
    if let Err(e) = seed_store(store.as_ref()).await {
        fail(format!("cannot write the built-in plan: {e}"));
    }
    let mut tokens = args.tokens.clone();
    tokens.retain(|t| !t.trim().is_empty());
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    let mut setup_token = None;
    if !is_loopback(&args.listen) && tokens.is_empty() && args.shared_store().is_some() {
        // A token kept in one machine's data directory would differ from the others'.
        fail("servers sharing a store need the same --token (or JINDU_TOKEN) on each");
    }
    if !is_loopback(&args.listen) && tokens.is_empty() {
        // Never open beyond loopback: create (once) and keep a token, and print the setup
        // link to the terminal only.
        let token = kept_token(&args.data_dir)
            .unwrap_or_else(|e| fail(format!("cannot keep a token: {e}")));
        tokens.push(token.clone());
        setup_token = Some(token);
    }
    let config = Config {
        tokens,
        read_tokens: args.read_tokens.clone(),
        max_body: args.max_body,
        max_media: args.max_media,
        allow_origins: args.allow_origins.clone(),
        static_dir: args.static_dir.clone(),
        embedded_app: args.static_dir.is_none(),
        trusted_proxies: args.trusted_proxies.clone(),
    };
    match &config.static_dir {
        Some(dir) if !dir.join("index.html").exists() => fail(format!(
            "{} has no index.html: build the app first",
            dir.display()
        )),
        // To stderr: the first line on stdout is the address (scripts and tests read it).
        Some(dir) => eprintln!("Serving the app from {}", dir.display()),
        None => match jindu_server::embedded::build() {
            Some(app) => eprintln!("Serving the app built into this binary ({app})"),
            None => eprintln!(
                "No app is built into this binary (the server was built before the app): \
                 serving the API only; give --static-dir DIR, or build the app and then \
                 the server"
            ),
        },
    }
    let router = app(AppState::new(store, config));
    let listener = std::net::TcpListener::bind(args.listen)
        .unwrap_or_else(|e| fail(format!("cannot listen on {}: {e}", args.listen)));
    let bound = listener.local_addr().unwrap_or(args.listen);
    let _ = listener.set_nonblocking(true);
    let shown = if bound.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        bound.ip().to_string()
    };
    if let Some(token) = setup_token {
        let host = if bound.ip().is_unspecified() {
            jindu_server::tls::lan_names(&[])
                .into_iter()
                .find(|n| {
                    n.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| !ip.is_loopback())
                })
                .unwrap_or_else(|| "localhost".into())
        } else {
            bound.ip().to_string()
        };
        let base = format!("{scheme}://{host}:{}", bound.port());
        // To the terminal only (stderr), never to the request log.
        eprintln!("Setup link for tablets (open it once on each tablet; keep it private):");
        eprintln!("  {}", setup_link(&base, &token));
    }
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .unwrap_or_else(|e| fail(format!("cannot load the TLS certificate or key: {e}")));
            println!("Jindu is serving on https://{shown}:{}/", bound.port());
            let server = axum_server::from_tcp_rustls(listener, tls);
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = server.serve(service).await {
                fail(format!("cannot serve on {bound}: {e}"));
            }
        }
        _ => {
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap_or_else(|e| fail(format!("cannot listen on {bound}: {e}")));
            println!("Jindu is serving on http://{shown}:{}/", bound.port());
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, service).await {
                fail(format!("server error: {e}"));
            }
        }
    }
}
