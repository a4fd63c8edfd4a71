//! Power loss on the directory store: the store runs on a simulated filesystem that
//! keeps only what was fsynced — a file's content once the file is synced, a name in a
//! directory once the directory is synced — and the power is cut at every step of a
//! sequence of writes in turn. After each cut and a restart, every acknowledged write
//! is there: the last one is the current file (or a write that had not yet answered
//! replaced it), each is a kept version, and no temporary file is left.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use jindu_server::disk::{Fs, Kind};
use jindu_server::store::{FilePath, FsStore, Precondition, SharedFs, Store};

/// A file or directory, with what a power cut keeps of it.
#[derive(Clone, Debug)]
struct Node {
    dir: bool,
    content: Vec<u8>,
    synced: Vec<u8>,
}

#[derive(Default)]
struct Disk {
    /// The directory the disk holds (what is above it is not simulated).
    root: PathBuf,
    nodes: Vec<Node>,
    /// Path → node, as the running system sees it.
    names: BTreeMap<PathBuf, usize>,
    /// Path → node, as the disk holds it (each name as of its directory's last sync).
    synced_names: BTreeMap<PathBuf, usize>,
    /// Steps left before the power is cut; none: no cut planned.
    steps_left: Option<usize>,
    /// Steps taken (operations that change something).
    steps: usize,
    /// Whether a change was refused because the power was off.
    refused: bool,
}

/// A filesystem that loses what was not fsynced when [`PowerCut::cut`] is called, and
/// fails every change once its step budget is spent (the machine is off).
#[derive(Clone, Default)]
struct PowerCut(Arc<Mutex<Disk>>);

fn off() -> io::Error {
    io::Error::other("the power is off")
}

fn not_found(p: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, p.display().to_string())
}

impl Disk {
    /// One step of a change; fails when the power went off.
    fn step(&mut self) -> io::Result<()> {
        if self.steps_left == Some(0) {
            self.refused = true;
            return Err(off());
        }
        if let Some(n) = &mut self.steps_left {
            *n -= 1;
        }
        self.steps += 1;
        Ok(())
    }

    fn parent_is_dir(&self, p: &Path) -> io::Result<()> {
        let parent = p.parent().ok_or_else(|| not_found(p))?;
        match self.names.get(parent) {
            Some(&n) if self.nodes[n].dir => Ok(()),
            _ => Err(not_found(parent)),
        }
    }

    fn add(&mut self, path: &Path, node: Node) -> usize {
        self.nodes.push(node);
        let n = self.nodes.len() - 1;
        self.names.insert(path.to_path_buf(), n);
        n
    }
}

impl PowerCut {
    /// A disk holding the directory `root`, synced.
    fn new(root: &Path) -> PowerCut {
        let fs = PowerCut::default();
        {
            let mut d = fs.0.lock().unwrap();
            d.root = root.to_path_buf();
            let n = d.add(
                root,
                Node {
                    dir: true,
                    content: Vec::new(),
                    synced: Vec::new(),
                },
            );
            d.synced_names.insert(root.to_path_buf(), n);
        }
        fs
    }

    fn disk(&self) -> std::sync::MutexGuard<'_, Disk> {
        self.0.lock().unwrap()
    }

    /// Allows `steps` more changes, then the power goes off.
    fn plan_cut(&self, steps: usize) {
        self.disk().steps_left = Some(steps);
    }

    /// The power comes back: what was not synced is gone. A name survives when it and
    /// every directory above it were synced in their directories; a file keeps the
    /// content it was last synced with.
    fn cut(&self) {
        let mut d = self.disk();
        let synced = d.synced_names.clone();
        let root = d.root.clone();
        let reachable = |p: &Path| {
            p.ancestors()
                .take_while(|a| a.starts_with(&root))
                .all(|a| synced.contains_key(a))
        };
        d.names = synced
            .iter()
            .filter(|(p, _)| reachable(p))
            .map(|(p, n)| (p.clone(), *n))
            .collect();
        for node in &mut d.nodes {
            node.content = node.synced.clone();
        }
        d.steps_left = None;
        d.refused = false;
    }
}

impl Fs for PowerCut {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let d = self.disk();
        match d.names.get(path) {
            Some(&n) if !d.nodes[n].dir => Ok(d.nodes[n].content.clone()),
            Some(_) => Err(io::Error::other("a directory")),
            None => Err(not_found(path)),
        }
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        let d = self.disk();
        let n = *d.names.get(path)?;
        Some(if d.nodes[n].dir {
            Kind::Dir
        } else {
            Kind::File
        })
    }

    fn modified(&self, path: &Path) -> io::Result<SystemTime> {
        self.kind(path)
            .map(|_| SystemTime::UNIX_EPOCH)
            .ok_or_else(|| not_found(path))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let d = self.disk();
        if !d.names.contains_key(dir) {
            return Err(not_found(dir));
        }
        Ok(d.names
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        let mut d = self.disk();
        d.step()?;
        d.parent_is_dir(path)?;
        if d.names.contains_key(path) {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
        }
        let node = Node {
            dir: true,
            content: Vec::new(),
            synced: Vec::new(),
        };
        d.add(path, node);
        Ok(())
    }

    /// Two steps: the file is created and written, then synced.
    fn write_synced(&self, path: &Path, body: &[u8]) -> io::Result<()> {
        let mut d = self.disk();
        d.step()?;
        d.parent_is_dir(path)?;
        let n = d.add(
            path,
            Node {
                dir: false,
                content: body.to_vec(),
                synced: Vec::new(),
            },
        );
        d.step()?;
        d.nodes[n].synced = body.to_vec();
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut d = self.disk();
        d.step()?;
        d.parent_is_dir(to)?;
        let n = d.names.remove(from).ok_or_else(|| not_found(from))?;
        d.names.insert(to.to_path_buf(), n);
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut d = self.disk();
        d.step()?;
        d.names
            .remove(path)
            .map(|_| ())
            .ok_or_else(|| not_found(path))
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut d = self.disk();
        d.step()?;
        let now: Vec<(PathBuf, usize)> = d
            .names
            .iter()
            .filter(|(p, _)| p.parent() == Some(dir))
            .map(|(p, n)| (p.clone(), *n))
            .collect();
        d.synced_names.retain(|p, _| p.parent() != Some(dir));
        d.synced_names.extend(now);
        Ok(())
    }
}

const ROOT: &str = "/data";

/// The write sequence: two files in a directory that does not exist yet, each written
/// several times with the ETag of the one before.
fn writes() -> Vec<(&'static str, Vec<u8>)> {
    (1..=6)
        .map(|n| {
            let file = if n % 3 == 0 {
                "plans/b.json"
            } else {
                "plans/a.json"
            };
            (file, format!("{{\"n\":{n}}}").into_bytes())
        })
        .collect()
}

fn store_on(fs: &PowerCut) -> SharedFs {
    let fs: Arc<dyn Fs> = Arc::new(fs.clone());
    SharedFs(Arc::new(
        FsStore::open_on(fs, ROOT, 1000).expect("the store opens"),
    ))
}

/// A write: the file and the body.
type Write = (&'static str, Vec<u8>);

/// Runs the writes until one fails; returns the acknowledged ones and the one that did
/// not answer, if any (it may or may not have reached the disk). A write that returns
/// after the power went off is not acknowledged: the server died with the machine. (The
/// directory store does not fail a write whose history version it could not keep.)
async fn run(fs: &PowerCut, store: &SharedFs) -> (Vec<Write>, Option<Write>) {
    let mut etags: HashMap<&str, String> = HashMap::new();
    let mut acked = Vec::new();
    for (file, body) in writes() {
        let path = FilePath::parse(file).unwrap();
        let pre = match etags.get(file) {
            Some(e) => Precondition::IfMatch(e.clone()),
            None => Precondition::IfAbsent,
        };
        match store.put(&path, body.clone(), pre).await {
            Ok(_) if fs.disk().refused => return (acked, Some((file, body))),
            Ok(etag) => {
                etags.insert(file, etag);
                acked.push((file, body));
            }
            Err(_) => return (acked, Some((file, body))),
        }
    }
    (acked, None)
}

#[tokio::test]
async fn a_power_cut_at_any_step_of_a_write_loses_no_acknowledged_write() {
    // How many steps the whole sequence takes, uninterrupted.
    let whole = PowerCut::new(Path::new(ROOT));
    let store = store_on(&whole);
    let start = whole.disk().steps;
    let (acked, failed) = run(&whole, &store).await;
    assert!(failed.is_none() && acked.len() == writes().len());
    let total = whole.disk().steps - start;
    for cut_after in 0..total {
        let fs = PowerCut::new(Path::new(ROOT));
        let store = store_on(&fs);
        fs.plan_cut(cut_after);
        let (acked, in_flight) = run(&fs, &store).await;
        assert!(
            in_flight.is_some(),
            "cut after {cut_after} of {total} steps"
        );
        drop(store);
        fs.cut();
        let store = store_on(&fs);
        assert_eq!(
            fs.list(&Path::new(ROOT).join(".tmp")).unwrap(),
            Vec::<String>::new(),
            "cut after {cut_after}: a temporary file outlived the restart"
        );
        for file in ["plans/a.json", "plans/b.json"] {
            let path = FilePath::parse(file).unwrap();
            let mine: Vec<&Vec<u8>> = acked.iter().filter(|a| a.0 == file).map(|a| &a.1).collect();
            let current = store.get(&path).await.unwrap().map(|s| s.body);
            let in_flight = in_flight.as_ref().filter(|f| f.0 == file).map(|f| &f.1);
            match mine.last() {
                None => assert!(
                    current.is_none() || current.as_ref() == in_flight,
                    "cut after {cut_after}: {file} holds what nobody wrote"
                ),
                Some(last) => assert!(
                    current.as_ref() == Some(*last)
                        || (current.is_some() && current.as_ref() == in_flight),
                    "cut after {cut_after}: {file} lost its last acknowledged write"
                ),
            }
            let mut kept = Vec::new();
            for v in store.history(&path).await.unwrap() {
                kept.push(store.version(&path, v.number).await.unwrap().unwrap());
            }
            for body in &mine {
                assert!(
                    kept.contains(body),
                    "cut after {cut_after}: {file}'s acknowledged {} is not a kept version",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }
    println!(
        "the power was cut at each of the {total} steps of {} writes",
        writes().len()
    );
}
