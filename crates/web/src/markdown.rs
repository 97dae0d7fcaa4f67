//! Document text (Markdown) to HTML for reading. Raw HTML in the text is
//! shown as text, never passed through, so a document cannot carry script.

use pulldown_cmark::{Event, Options, Parser, html};

pub fn to_html(md: &str) -> String {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            other => other,
        },
    );
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_html_is_escaped() {
        let h = to_html("## ４．１ 管理\n\n- （１） 記録する\n\n<script>alert(1)</script>\n");
        assert!(h.contains("<h2>４．１ 管理</h2>"), "{h}");
        assert!(h.contains("<li>（１） 記録する</li>"), "{h}");
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
    }
}
