//! The replicated document: a state-based CRDT that every device holds in full.
//!
//! A document is a map of entities (the plan's categories, items, targets, …), each a map
//! of field registers, plus the progress records. Merge is a join: commutative,
//! associative and idempotent, so any order of syncs converges on the same state, and the
//! canonical encoding turns the same state into the same bytes.
//!
//! - A field register is a multi-value register: each value carries its dot
//!   `(stamp, device)`, and the register remembers, per device, the newest stamp it has
//!   seen (its causal context). A write replaces every value its writer had seen; values
//!   written concurrently all survive. The greatest by `(stamp, device)` is the winner and
//!   the others are open conflicts until somebody writes again.
//! - Each register also keeps the newest [`HISTORY_PER_FIELD`] values ever written to it
//!   (who, when, what), so that the field's history travels with the document while
//!   staying small.
//! - Progress records are append-only sets of versions. A correction is a new version, a
//!   deletion is a tombstone version, and a tombstone wins over every other version, so a
//!   deleted record never comes back.
//!
//! - A record version and a register value are identified by their stamp and device (and
//!   the record or field they belong to), and one identity has exactly one content. Two
//!   contents under one identity are corruption, not a tie to break: reading refuses a
//!   document that holds both, and a merge refuses, changing nothing (`rewrite`).
//!
//! One idea a file: `intern` (the shared names), `register` (written values, registers,
//! an entity's fields), `record` (record versions and their content), `document` (the
//! document, its wire format and its merge), `rewrite` (one identity, one content) and
//! `binary` (this device's stored form).

mod binary;
mod document;
mod intern;
mod record;
mod register;
mod rewrite;
mod signer;

use std::sync::Arc;

pub use document::{Changes, Doc, DocError, FORMAT};
pub use intern::intern;
pub use record::{current_version, Body, RecordVersion, Versions};
pub use register::{FieldEntry, Fields, Register, Written, HISTORY_PER_FIELD};
pub use rewrite::{check_rewrite, Rewrite, SHOWN_CHARS};
pub use signer::Signer;

/// A device id: short, random per install. Shared: a plan names a few devices on every
/// one of its values, so reading one holds each name once (see [`intern`]).
pub type DeviceId = Arc<str>;
