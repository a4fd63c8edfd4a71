//! Prints the built-in plan's progress table for a period, or writes it as CSV.
//!
//! `cargo run -p jindu-core --example report -- 2021 1 6 [--csv FILE] [--marks]`

use jindu_core::report::{build, Period};
use jindu_core::{seed, Plan};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize, d: u32| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let plan = Plan::from_doc(&seed::xixing_2021());
    let report = match Period::months(n(0, 2021) as i32, n(1, 1), n(2, 6))
        .and_then(|period| build(&plan, &period))
    {
        Ok(r) => r.with_marks(args.iter().any(|a| a == "--marks")),
        Err(e) => {
            eprintln!("{e}\nusage: report YEAR FROM_MONTH TO_MONTH [--csv FILE] [--marks]");
            std::process::exit(2);
        }
    };
    if let Some(i) = args.iter().position(|a| a == "--csv") {
        let path = args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| report.file_name("csv"));
        std::fs::write(&path, report.to_csv()).expect("the CSV file is writable");
        println!("wrote {path}");
        return;
    }
    println!(
        "{}（{}）\n{}",
        report.title,
        report.period.label,
        report.headings().join(" | ")
    );
    for row in &report.rows {
        println!(
            "\n{} {} | {} | {}\n{}",
            row.number,
            row.category,
            row.content,
            row.departments,
            report.printed(row)
        );
    }
}
