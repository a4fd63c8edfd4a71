//! The evidence annex of a period's table: per item, in the table's order, the photos of
//! the period's records with their site, day, writer and location — what the print view
//! appends and what the .xlsx carries as its `照片` sheet.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Period;
use crate::model::{Location, Photo, Plan};

/// One photo of the annex, with what its caption says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnexPhoto {
    /// The item's display number ("4.1") and content.
    pub number: String,
    pub item: String,
    /// The record the photo belongs to.
    pub record: String,
    pub photo: Photo,
    /// The site's name, when the record names one.
    pub site: Option<String>,
    pub observed: NaiveDate,
    /// The name written in the record, and the account that signed it when one did.
    pub author: String,
    pub signer: Option<String>,
    pub location: Option<Location>,
}

impl AnnexPhoto {
    /// "4.1 白鹤苑 · 2021-07-15 · 张检查（账号 张检查）· 30.21010, 120.21020 ±8 米".
    pub fn caption(&self) -> String {
        let mut parts = vec![match &self.site {
            Some(s) => format!("{} {s}", self.number),
            None => self.number.clone(),
        }];
        parts.push(self.observed.to_string());
        parts.push(match &self.signer {
            Some(s) if *s != self.author => format!("{}（{s}）", self.author),
            _ => self.author.clone(),
        });
        if let Some(l) = &self.location {
            parts.push(format!("{:.5}, {:.5} ±{:.0} 米", l.lat, l.lon, l.accuracy));
        }
        parts.join(" · ")
    }
}

/// The period's photos up to `as_of`, item by item in the table's order, each item's by
/// day observed; records deleted are left out, a corrected record shows the photos of
/// its standing version.
pub fn annex(plan: &Plan, period: &Period, as_of: NaiveDate) -> Vec<AnnexPhoto> {
    let last = as_of.min(period.end);
    let mut out = Vec::new();
    for cat in &plan.categories {
        for item in plan.items_of(&cat.id) {
            let mut records: Vec<_> = plan
                .records_of(&item.id)
                .filter(|r| {
                    !r.record.photos.is_empty()
                        && r.record.observed >= period.start
                        && r.record.observed <= last
                })
                .collect();
            records.sort_by_key(|r| (r.record.observed, r.stamp));
            for r in records {
                let site = r
                    .record
                    .site
                    .as_deref()
                    .and_then(|s| plan.site(s))
                    .map(|s| s.name.clone());
                let signer = (!r.signer.is_none()).then(|| r.signer.name.to_string());
                for photo in &r.record.photos {
                    out.push(AnnexPhoto {
                        number: plan.display_number(item),
                        item: item.content.clone(),
                        record: r.id.clone(),
                        photo: photo.clone(),
                        site: site.clone(),
                        observed: r.record.observed,
                        author: r.record.author.clone(),
                        signer: signer.clone(),
                        location: r.record.location,
                    });
                }
            }
        }
    }
    out
}
