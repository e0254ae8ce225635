//! The report for a terminal (both languages, one line per check, then the first problem and its fix) and for
//! machines (`--json`).

use super::check::Report;

/// The report for a terminal: one line per check, then the first problem and its fix in both languages.
pub fn render_text(report: &Report) -> String {
    let mut out = format!("ebid-host doctor {}\n", report.version);
    for check in &report.checks {
        let mark = if check.ok { "OK" } else { "NG" };
        out.push_str(&format!("[{mark}] {}: {}\n", check.id, check.message_ja));
        out.push_str(&format!("     {}\n", check.message_en));
    }
    match report.checks.iter().find(|c| !c.ok) {
        None => out.push_str("\nすべて正常です。 / All is well.\n"),
        Some(check) => {
            out.push_str(&format!("\n最初の問題 / First problem: {}\n", check.id));
            out.push_str(&format!("  {}\n  {}\n", check.message_ja, check.message_en));
            if let (Some(ja), Some(en)) = (&check.fix_ja, &check.fix_en) {
                out.push_str(&format!("対処 / Fix:\n  {ja}\n  {en}\n"));
            }
        }
    }
    out
}

/// `{"version", "protocol", "checks": [{"id", "ok", "message_ja", "message_en", "fix_ja", "fix_en"}],
/// "first_failure"}`, pretty-printed.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}
