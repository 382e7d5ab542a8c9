#include "services/ingest/document_normalizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ingest/html_to_text.h"

namespace loupe {
namespace {

std::string Normalize(absl::string_view text, TextShape shape = TextShape::kMultiLine) {
  absl::StatusOr<std::string> result = NormalizeText(text, shape);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : "";
}

TEST(NormalizeTextTest, ComposesToNfc) {
  // "e" + COMBINING ACUTE ACCENT -> "é" (U+00E9).
  EXPECT_EQ(Normalize("Cafe\xCC\x81"), "Caf\xC3\xA9");
  EXPECT_EQ(Normalize("Caf\xC3\xA9"), "Caf\xC3\xA9");
}

TEST(NormalizeTextTest, RemovesControlsButKeepsNewlinesAndTabs) {
  EXPECT_EQ(Normalize(std::string("a\x01" "b\x7f" "c\tc\nd\0e", 11)), "abc\tc\nde");
  // C1 control U+0085 and the byte-order mark go too.
  EXPECT_EQ(Normalize("x\xC2\x85y\xEF\xBB\xBFz"), "xyz");
  EXPECT_EQ(Normalize("one\r\ntwo\rthree"), "one\ntwo\nthree");
}

TEST(NormalizeTextTest, TidiesWhitespace) {
  EXPECT_EQ(Normalize("  hello    world  \n\n\n\n  next   line \n"), "hello world\n\nnext line");
  EXPECT_EQ(Normalize(" a \t b "), "a\tb");
  EXPECT_EQ(Normalize("Title\nwith  lines", TextShape::kSingleLine), "Title with lines");
  EXPECT_EQ(Normalize(" \n\t "), "");
}

TEST(NormalizeTextTest, RejectsInvalidUtf8) {
  absl::StatusOr<std::string> result = NormalizeText("ok\xFF", TextShape::kMultiLine);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), testing::HasSubstr("offset 2"));
}

TEST(HtmlToTextTest, DropsScriptStyleAndCommentsAndDecodesEntities) {
  const std::string html =
      "<html><head><title>T</title><style>p { color: red }</style></head>"
      "<body><script type=\"text/javascript\">var a = '<p>not text</p>';</script>"
      "<!-- a comment --><h1>Caf&eacute; &amp; cr&egrave;me</h1>"
      "<p>Prix&nbsp;: 16,86&#8364; &#x2014; <b>bon</b>march&eacute;</p>"
      "<p>a &lt; b &unknown; &#0; 5 < 6</p></body></html>";
  absl::StatusOr<std::string> text = NormalizeText(HtmlToText(html), TextShape::kMultiLine);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "Caf\xC3\xA9 & cr\xC3\xA8me\n"
            "Prix\xC2\xA0: 16,86\xE2\x82\xAC \xE2\x80\x94 bonmarch\xC3\xA9\n"
            "a < b &unknown; \xEF\xBF\xBD 5 < 6");
}

TEST(HtmlToTextTest, BlockTagsSeparateWordsAndOtherTagsBecomeSpaces) {
  EXPECT_EQ(HtmlToText("one<br/>two<div>three</div>four<img src='x>y'>five"),
            "one\ntwo\nthree\nfour five");
  EXPECT_EQ(DecodeHtmlEntities("&quot;x&quot; &#39;y&#39; &AElig; &#x1F600;"),
            "\"x\" 'y' \xC3\x86 \xF0\x9F\x98\x80");
  // Unterminated script: the rest is dropped, not leaked as text.
  EXPECT_EQ(HtmlToText("a<script>b"), "a");
}

TEST(NormalizeDocumentTest, ConvertsHtmlBodyAndTrimsFields) {
  loupe::v1::Document document;
  document.set_id("doc-1");
  document.set_title("  Le  titre\n");
  document.set_body("<p>Bonjour&nbsp;le&#160;monde</p><script>x()</script>");
  document.set_content_type("Text/HTML; charset=utf-8");
  document.set_lang(" FR ");
  document.set_source(" bbc ");
  (*document.mutable_tags())["cate\xCC\x81gorie"] = "x";
  absl::StatusOr<loupe::v1::Document> normalized = NormalizeDocument(document);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(normalized->id(), "doc-1");
  EXPECT_EQ(normalized->title(), "Le titre");
  EXPECT_EQ(normalized->body(), "Bonjour\xC2\xA0le\xC2\xA0monde");
  EXPECT_EQ(normalized->content_type(), "");
  EXPECT_EQ(normalized->lang(), "fr");
  EXPECT_EQ(normalized->source(), "bbc");
  EXPECT_TRUE(normalized->tags().contains("cat\xC3\xA9gorie"));
}

}  // namespace
}  // namespace loupe
