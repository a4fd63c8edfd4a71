//! The plan view's queries: an entity by its id, the children of a parent in plan order,
//! the records that refer to an entity, display numbers and the plan's local day.

use chrono::NaiveDate;

use super::entity::{Category, Item, ItemSite, Milestone, Package, Site, Stage, Target};
use super::plan::{Children, Plan, RecordView};

impl Plan {
    fn child_list(&self, parent: &str, pick: fn(&Children) -> &Vec<usize>) -> &[usize] {
        self.children
            .get(parent)
            .map_or(&[], |c| pick(c).as_slice())
    }

    /// The records that refer to `id` (as item, site, target, stage, package or
    /// milestone), oldest observation first.
    pub fn records_referring<'a>(
        &'a self,
        id: &str,
    ) -> impl DoubleEndedIterator<Item = &'a RecordView> + 'a {
        self.record_index
            .get(id)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&i| &self.records[i])
    }

    /// The entity `id` in `list`, through the positions index.
    fn by_id<'a, T>(&self, list: &'a [T], id: &str, id_of: fn(&T) -> &str) -> Option<&'a T> {
        let &i = self.positions.get(id)?;
        list.get(i).filter(|x| id_of(x) == id)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.by_id(&self.categories, id, |x| &x.id)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.by_id(&self.items, id, |x| &x.id)
    }

    pub fn target(&self, id: &str) -> Option<&Target> {
        self.by_id(&self.targets, id, |x| &x.id)
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.by_id(&self.stages, id, |x| &x.id)
    }

    pub fn milestone(&self, id: &str) -> Option<&Milestone> {
        self.by_id(&self.milestones, id, |x| &x.id)
    }

    pub fn package(&self, id: &str) -> Option<&Package> {
        self.by_id(&self.packages, id, |x| &x.id)
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.by_id(&self.sites, id, |x| &x.id)
    }

    pub fn item_site(&self, id: &str) -> Option<&ItemSite> {
        self.by_id(&self.item_sites, id, |x| &x.id)
    }

    /// Every work package of an item, at all its sites.
    pub fn packages_of_item<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Package> + 'a {
        self.child_list(item, |c| &c.packages)
            .iter()
            .map(|&i| &self.packages[i])
    }

    /// Finds a site by its name or any alias.
    pub fn site_named(&self, name: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.name == name || s.aliases.iter().any(|a| a == name))
    }

    pub fn items_of<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.child_list(category, |c| &c.items)
            .iter()
            .map(|&i| &self.items[i])
    }

    pub fn targets_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Target> + 'a {
        self.child_list(item, |c| &c.targets)
            .iter()
            .map(|&i| &self.targets[i])
    }

    pub fn stages_of<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a Stage> + 'a {
        self.child_list(target, |c| &c.stages)
            .iter()
            .map(|&i| &self.stages[i])
    }

    pub fn milestones_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Milestone> + 'a {
        self.child_list(item, |c| &c.milestones)
            .iter()
            .map(|&i| &self.milestones[i])
    }

    pub fn sites_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a ItemSite> + 'a {
        self.child_list(item, |c| &c.sites)
            .iter()
            .map(|&i| &self.item_sites[i])
    }

    pub fn packages_of<'a>(
        &'a self,
        item: &'a str,
        site: &'a str,
    ) -> impl Iterator<Item = &'a Package> + 'a {
        self.child_list(item, |c| &c.packages)
            .iter()
            .map(|&i| &self.packages[i])
            .filter(move |p| p.site == site)
    }

    pub fn records_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a RecordView> + 'a {
        self.records_referring(item)
            .filter(move |r| r.record.item == item)
    }

    /// The item's display number, derived from order: "2.4" is the fourth item of the
    /// second category. The report prints item numbers only inside categories whose
    /// `numbered` flag is set, as the seed does.
    pub fn display_number(&self, item: &Item) -> String {
        self.numbers.get(&item.id).cloned().unwrap_or_default()
    }

    /// The plan's title (its id when it has none yet).
    pub fn title(&self) -> String {
        self.meta
            .as_ref()
            .map(|m| m.title.clone())
            .unwrap_or_else(|| self.id.clone())
    }

    /// The plan's time zone as minutes east of UTC (China's, +8, when it names none).
    pub fn utc_offset_minutes(&self) -> i32 {
        self.meta.as_ref().map_or(480, |m| m.utc_offset_minutes)
    }

    /// The day a moment falls on in the plan's time zone.
    pub fn local_date(&self, unix_ms: i64) -> NaiveDate {
        super::local_day(self.utc_offset_minutes(), unix_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{plan, Shape};

    /// The lookups answer what a scan of the lists answers, in the same order.
    #[test]
    fn indexed_lookups_agree_with_scans() {
        let doc = plan(&Shape {
            items: 60,
            records_per_item: 6,
            devices: 5,
            seed: 11,
        });
        let p = Plan::from_doc(&doc);
        assert_eq!(p.items.len(), 60);
        let ids = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
        for item in &p.items {
            assert_eq!(p.item(&item.id).map(|i| &i.id), Some(&item.id));
            let scan: Vec<&str> = p
                .records
                .iter()
                .filter(|r| r.record.item == item.id)
                .map(|r| r.id.as_str())
                .collect();
            let indexed: Vec<&str> = p.records_of(&item.id).map(|r| r.id.as_str()).collect();
            assert_eq!(ids(indexed), ids(scan));
            let targets: Vec<&str> = p
                .targets
                .iter()
                .filter(|t| t.item == item.id)
                .map(|t| t.id.as_str())
                .collect();
            assert_eq!(
                ids(p.targets_of(&item.id).map(|t| t.id.as_str()).collect()),
                ids(targets)
            );
            let ms: Vec<&str> = p
                .milestones
                .iter()
                .filter(|m| m.item == item.id)
                .map(|m| m.id.as_str())
                .collect();
            assert_eq!(
                ids(p.milestones_of(&item.id).map(|m| m.id.as_str()).collect()),
                ids(ms)
            );
            for s in p.sites_of(&item.id) {
                let wps: Vec<&str> = p
                    .packages
                    .iter()
                    .filter(|w| w.item == item.id && w.site == s.site)
                    .map(|w| w.id.as_str())
                    .collect();
                assert_eq!(
                    ids(p
                        .packages_of(&item.id, &s.site)
                        .map(|w| w.id.as_str())
                        .collect()),
                    ids(wps)
                );
            }
            let ci = p
                .categories
                .iter()
                .position(|c| c.id == item.category)
                .unwrap();
            let n = p
                .items
                .iter()
                .filter(|i| i.category == item.category)
                .position(|i| i.id == item.id)
                .unwrap();
            assert_eq!(p.display_number(item), format!("{}.{}", ci + 1, n + 1));
        }
        for t in &p.targets {
            let stages: Vec<&str> = p
                .stages
                .iter()
                .filter(|s| s.target == t.id)
                .map(|s| s.id.as_str())
                .collect();
            assert_eq!(
                ids(p.stages_of(&t.id).map(|s| s.id.as_str()).collect()),
                ids(stages)
            );
        }
        // Every entity is found by its id, and only under its own kind.
        for t in &p.targets {
            assert_eq!(p.target(&t.id), Some(t));
            assert!(p.stage(&t.id).is_none() && p.item(&t.id).is_none());
        }
        for x in &p.stages {
            assert_eq!(p.stage(&x.id), Some(x));
        }
        for x in &p.milestones {
            assert_eq!(p.milestone(&x.id), Some(x));
        }
        for x in &p.packages {
            assert_eq!(p.package(&x.id), Some(x));
        }
        for x in &p.sites {
            assert_eq!(p.site(&x.id), Some(x));
        }
        for x in &p.item_sites {
            assert_eq!(p.item_site(&x.id), Some(x));
        }
        for x in &p.categories {
            assert_eq!(p.category(&x.id), Some(x));
        }
        for item in &p.items {
            let scan: Vec<&str> = p
                .packages
                .iter()
                .filter(|w| w.item == item.id)
                .map(|w| w.id.as_str())
                .collect();
            let indexed: Vec<&str> = p
                .packages_of_item(&item.id)
                .map(|w| w.id.as_str())
                .collect();
            assert_eq!(indexed, scan);
        }
        assert!(p.package("wp-no-such").is_none() && p.site("site-no-such").is_none());
        assert!(p.item("no-such-item").is_none());
        assert!(p.records_referring("no-such-id").next().is_none());
    }
}
