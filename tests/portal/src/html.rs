//! HTML helpers and the Shift_JIS encoding every page is served in.

use time::{OffsetDateTime, UtcOffset};

/// Escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Encodes a page as Shift_JIS; characters Shift_JIS lacks become numeric character references, so nothing a
/// certificate holds is lost.
pub fn shift_jis(page: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(page).0.into_owned()
}

/// Japan Standard Time (Sapporo); fixed offset, Japan has no daylight saving time.
pub fn jst(moment: OffsetDateTime) -> OffsetDateTime {
    moment.to_offset(UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC))
}

/// 「2014年03月12日 17時19分」
pub fn header_clock(now: OffsetDateTime) -> String {
    let t = jst(now);
    format!(
        "{:04}年{:02}月{:02}日 {:02}時{:02}分",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// 「2014/11/14」, the 証明書有効期限 format.
pub fn slash_date(moment: OffsetDateTime) -> String {
    let t = jst(moment);
    format!("{:04}/{:02}/{:02}", t.year(), u8::from(t.month()), t.day())
}

/// A whole document in the IE-era style: Shift_JIS meta, no doctype quirks beyond HTML 4.01 Transitional.
pub fn document(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n\
<html lang=\"ja\">\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\n\
<meta http-equiv=\"Pragma\" content=\"no-cache\">\n\
<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\n\
<title>{title}</title>\n\
<style type=\"text/css\">\n\
body {{ font-family: \"ＭＳ Ｐゴシック\", sans-serif; font-size: 10pt; background-color: #FFFFFF; }}\n\
td {{ font-size: 10pt; }}\n\
.title {{ font-size: 14pt; font-weight: bold; color: #003399; }}\n\
.label {{ background-color: #CCDDFF; white-space: nowrap; }}\n\
.section {{ background-color: #6688CC; color: #FFFFFF; font-weight: bold; }}\n\
.error {{ color: #CC0000; font-weight: bold; }}\n\
</style>\n\
{head_extra}</head>\n{body}\n</html>\n",
        title = escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_seed_dates() {
        let moment = time::macros::datetime!(2014-03-12 08:19 UTC);
        assert_eq!(header_clock(moment), "2014年03月12日 17時19分");
        assert_eq!(
            slash_date(time::macros::datetime!(2014-11-13 15:00 UTC)),
            "2014/11/14"
        );
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn unmappable_characters_survive_as_references() {
        let bytes = shift_jis("株式会社😀");
        assert_eq!(encoding_rs::SHIFT_JIS.decode(&bytes).0, "株式会社&#128512;");
    }
}
