//! Jindu's pure logic: the plan model, the replicated document and its merge, the sync
//! engine, progress roll-ups and reports.
//!
//! Nothing here touches a browser, a socket or a clock: time and randomness are passed
//! in, so every rule is a pure function that is tested natively and deterministically.

pub mod doc;
pub mod edit;
pub mod generate;
pub mod hlc;
pub mod import;
pub mod index;
pub mod model;
pub mod newplan;
pub mod progress;
pub mod report;
pub mod roles;
pub mod seed;
pub mod stored;
pub mod summary;
pub mod sync;
pub mod tablet;

pub use doc::{Doc, DocError};
pub use edit::{Edit, EditError, Replica};
pub use model::Plan;
