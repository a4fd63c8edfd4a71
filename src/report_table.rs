//! The period's table as the app draws it: merged 序号, 项目类别 and 责任科室 cells and
//! a status cell the caller fills (editable on the report page, read-only for an
//! issued table).

use jindu_core::progress::Schedule;
use jindu_core::report::{Report, Row};
use leptos::prelude::*;

/// The table of `r`, its status cells drawn by `status(row index, row)`.
pub fn table(r: &Report, status: impl Fn(usize, &Row) -> AnyView) -> impl IntoView {
    let heads = r.headings();
    let categories = r.category_spans();
    let departments = r.department_spans();
    let title = format!("{}（{}）", r.title, r.period.label);
    let starting =
        |spans: &[(usize, usize)], i: usize| spans.iter().find(|s| s.0 == i).map(|s| s.1);
    let rows = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let class = match row.schedule {
                Schedule::Overdue => "overdue",
                Schedule::AtRisk => "at-risk",
                _ => "",
            };
            let dept = starting(&departments, i).map(|n| {
                view! { <td rowspan=n class="departments">{row.departments.clone()}</td> }
            });
            view! {
                <tr class=class data-testid="report-row">
                    {starting(&categories, i).map(|n| view! {
                        <td rowspan=n class="num">{row.number.clone()}</td>
                        <td rowspan=n>{row.category.clone()}</td>
                    })}
                    <td>{row.content.clone()}</td>
                    {dept}
                    <td class="status">{status(i, row)}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let class = if r.marks {
        "report-table with-marks"
    } else {
        "report-table"
    };
    view! {
        <h2 class="report-title">{title}</h2>
        <table class=class data-testid="report-table">
            <thead><tr>{heads.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect::<Vec<_>>()}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
