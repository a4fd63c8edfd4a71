//! The plan in its own terms: the typed view of a [`Doc`](crate::doc::Doc).
//!
//! The document stores fields as registers; this module reads the winning values into
//! typed structs (categories, items, targets, stages, milestones, sites, work packages,
//! progress records) and checks them. Entity kinds are told apart by their id prefix.
//!
//! - [`entity`]: the kinds of entity and the typed structs a plan is made of;
//! - [`evidence`]: photos by hash, a location fix, distances;
//! - [`date`]: dates as the plan writes them, and month arithmetic;
//! - [`plan`]: the plan view: reading a document into a [`Plan`] and keeping it current;
//! - `query`: the plan view's lookups (an entity by id, the children of a parent, the
//!   records of an item, the local day).

pub mod date;
pub mod entity;
pub mod evidence;
pub mod plan;
mod query;

pub use date::{last_day_of_month, local_day, months_inclusive, DateSpec, Period, Precision};
pub use entity::{
    Category, Item, ItemSite, ItemStatus, Kind, Measure, Milestone, Package, PlanMeta, Record,
    RecordStatus, Recurrence, Site, Stage, Target, PLAN_ENTITY,
};
pub use evidence::{distance_m, is_media_hash, Location, Photo};
pub use plan::{winners, Plan, RecordView};
