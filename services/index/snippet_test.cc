#include "services/index/snippet.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/utf8.h"

namespace loupe {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::EndsWith;

class SnippetTest : public ::testing::Test {
 protected:
  std::string Snippet(absl::string_view body, const SnippetTerms& terms, uint32_t chars = 200,
                      absl::string_view lang = "fr") {
    return MakeSnippet(*analyzer_, body, lang, terms, chars);
  }
  std::unique_ptr<Analyzer> analyzer_ = MakeDefaultAnalyzer();
};

TEST_F(SnippetTest, MarksAccentedWordsForFoldedQueryTerm) {
  EXPECT_EQ(Snippet("Le Réveil sonne: réveil à 7h.", {"reveil"}),
            "Le <mark>Réveil</mark> sonne: <mark>réveil</mark> à 7h.");
}

TEST_F(SnippetTest, EscapesHtml) {
  EXPECT_EQ(Snippet("a <b>réveil</b> & \"x\" 'y'", {"reveil"}),
            "a &lt;b&gt;<mark>réveil</mark>&lt;/b&gt; &amp; &quot;x&quot; &#39;y&#39;");
}

TEST_F(SnippetTest, PicksTheWindowWithMostMatchesAndCutsOnTokens) {
  std::string body;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&body, "filler", i, " ");
  absl::StrAppend(&body, "le réveil et encore un réveil matinal ");
  for (int i = 0; i < 40; ++i) absl::StrAppend(&body, "tail", i, " ");
  const std::string snippet = Snippet(body, {"reveil"}, 60);
  EXPECT_THAT(snippet, StartsWith("…"));
  EXPECT_THAT(snippet, EndsWith("…"));
  EXPECT_THAT(snippet, HasSubstr("<mark>réveil</mark> et encore un <mark>réveil</mark>"));
  // Window text (without marks and ellipses) stays within the budget.
  std::string plain = snippet;
  for (const std::string tag : {"<mark>", "</mark>", "…"}) {
    size_t at;
    while ((at = plain.find(tag)) != std::string::npos) plain.erase(at, tag.size());
  }
  EXPECT_LE(CodePointCount(plain), 60u);
  EXPECT_GE(CodePointCount(plain), 45u);
  // Cut on token boundaries: no partial "fillerNN" / "tailNN" words.
  EXPECT_FALSE(absl::StartsWith(plain, " "));
  EXPECT_TRUE(absl::EndsWith(plain, "matinal") || absl::StrContains(plain, " tail"));
}

TEST_F(SnippetTest, StartsAtTheBeginningWithoutMatches) {
  std::string body = "Première phrase du texte. ";
  for (int i = 0; i < 50; ++i) absl::StrAppend(&body, "mot", i, " ");
  const std::string snippet = Snippet(body, {"absent"}, 40);
  EXPECT_THAT(snippet, StartsWith("Première phrase du texte."));
  EXPECT_THAT(snippet, EndsWith("…"));
  EXPECT_THAT(snippet, ::testing::Not(HasSubstr("<mark>")));
}

// A long body: kSnippetSearchBytes of filler words, then `tail`.
std::string LongBody(absl::string_view head, absl::string_view tail) {
  std::string body(head);
  for (int i = 0; body.size() < kSnippetSearchBytes + 100; ++i) {
    absl::StrAppend(&body, "mot", i, " ");
  }
  absl::StrAppend(&body, tail);
  return body;
}

TEST_F(SnippetTest, ALongBodyIsSearchedInItsFirstPartWhenThatHasAMatch) {
  // More matches past the first part do not move the snippet there.
  const std::string body =
      LongBody("Le réveil du marché. ", "réveil réveil réveil réveil réveil réveil fin.");
  const std::string snippet = Snippet(body, {"reveil"}, 60);
  EXPECT_THAT(snippet, StartsWith("Le <mark>réveil</mark> du marché."));
  EXPECT_THAT(snippet, EndsWith("…"));
}

TEST_F(SnippetTest, ALongBodyIsSearchedFurtherWhenItsFirstPartHasNoMatch) {
  const std::string body =
      LongBody("Rien à signaler. ", "enfin le réveil sonne au bout du texte.");
  const std::string snippet = Snippet(body, {"reveil"}, 60);
  EXPECT_THAT(snippet, StartsWith("…"));
  // The offsets of the later part are the body's: the right word is marked.
  EXPECT_THAT(snippet, HasSubstr("enfin le <mark>réveil</mark> sonne au bout du texte."));
  EXPECT_THAT(snippet, ::testing::Not(EndsWith("…")));
  // Without any match at all, the start of the body.
  EXPECT_THAT(Snippet(body, {"absent"}, 40), StartsWith("Rien à signaler."));
}

TEST_F(SnippetTest, ShortBodyIsWhole) {
  EXPECT_EQ(Snippet("« Bonjour », dit-il.", {}), "« Bonjour », dit-il.");
}

TEST(SnippetTermsTest, TakesBodyAndUnspecifiedNonExcludedTerms) {
  v1::QueryPlan plan;
  auto add = [&](const std::string& term, v1::Field field, v1::Occur occur) {
    v1::TermClause* clause = plan.add_clauses();
    clause->set_term(term);
    clause->set_field(field);
    clause->set_occur(occur);
  };
  add("a", v1::FIELD_UNSPECIFIED, v1::OCCUR_SHOULD);
  add("b", v1::FIELD_BODY, v1::OCCUR_MUST);
  add("c", v1::FIELD_TITLE, v1::OCCUR_SHOULD);
  add("d", v1::FIELD_BODY, v1::OCCUR_MUST_NOT);
  const SnippetTerms terms = SnippetTermsFromPlan(plan);
  EXPECT_TRUE(terms.contains("a"));
  EXPECT_TRUE(terms.contains("b"));
  EXPECT_FALSE(terms.contains("c"));
  EXPECT_FALSE(terms.contains("d"));
  const SnippetTerms title = SnippetTermsFromPlan(plan, v1::FIELD_TITLE);
  EXPECT_TRUE(title.contains("a"));
  EXPECT_FALSE(title.contains("b"));
  EXPECT_TRUE(title.contains("c"));
  EXPECT_FALSE(title.contains("d"));
}

TEST_F(SnippetTest, HighlightWholeKeepsAllOfALongTitle) {
  std::string title;
  for (int i = 0; i < 30; ++i) absl::StrAppend(&title, "mot", i, " ");
  absl::StrAppend(&title, "Réveil & fin");
  const std::string highlighted = HighlightWhole(*analyzer_, title, "fr", {"reveil"});
  EXPECT_THAT(highlighted, StartsWith("mot0 mot1"));
  EXPECT_THAT(highlighted, EndsWith("<mark>Réveil</mark> &amp; fin"));
  EXPECT_FALSE(absl::StrContains(highlighted, "…"));
  EXPECT_EQ(HighlightWhole(*analyzer_, "", "fr", {"reveil"}), "");
  EXPECT_EQ(HighlightWhole(*analyzer_, "Sans rien", "fr", {"reveil"}), "Sans rien");
}

}  // namespace
}  // namespace loupe
