//! The 利用者登録 frameset and its header frame (「札幌市 City of Sapporo 電子入札」).

use time::OffsetDateTime;

use crate::html::{document, header_clock};
use crate::paths;

pub fn frameset() -> String {
    format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Frameset//EN\">\n<html lang=\"ja\">\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\n<title>eCALS/EC</title>\n</head>\n\
<frameset rows=\"90,*\" frameborder=\"0\" border=\"0\">\n\
<frame name=\"header\" src=\"{header}\" scrolling=\"no\" noresize>\n\
<frame name=\"main\" src=\"{menu}\">\n\
<noframes><body>フレーム対応のブラウザでご利用ください。<a href=\"{menu}\">利用者登録メニュー</a></body></noframes>\n\
</frameset>\n</html>\n",
        header = paths::HEADER,
        menu = paths::MENU
    )
}

pub fn header(now: OffsetDateTime) -> String {
    let body = format!(
        "<body style=\"margin: 0;\">\n\
<table width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"2\" style=\"background-color: #E8F0FF;\">\n\
<tr>\n\
<td rowspan=\"2\" width=\"260\" style=\"font-size: 16pt; font-weight: bold; color: #003399;\">\
札幌市 <span style=\"font-size: 9pt;\">City of Sapporo</span> 電子入札</td>\n\
<td align=\"right\" id=\"headerClock\">{clock}</td>\n\
<td align=\"right\" style=\"font-weight: bold;\">CALS/EC 電子入札システム</td>\n\
<td align=\"right\"><a href=\"{np}?func=inquiry\" target=\"main\">お問い合わせ</a></td>\n\
</tr>\n\
<tr><td colspan=\"3\" align=\"right\"><a href=\"{np}?func=publish\" target=\"main\">入札情報サービス</a></td></tr>\n\
</table>\n</body>",
        clock = header_clock(now),
        np = paths::NOT_PROVIDED
    );
    document("eCALS/EC", "", &body)
}
