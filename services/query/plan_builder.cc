#include "services/query/plan_builder.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/analysis/language.h"

namespace loupe::query {
namespace {

// The analyser's language for the word inventory: every word, unstemmed.
constexpr absl::string_view kUnknownLanguage = "und";

loupe::v1::Field ToProtoField(FieldScope field) {
  switch (field) {
    case FieldScope::kTitle:
      return loupe::v1::FIELD_TITLE;
    case FieldScope::kBody:
      return loupe::v1::FIELD_BODY;
    case FieldScope::kAll:
      break;
  }
  return loupe::v1::FIELD_UNSPECIFIED;
}

loupe::v1::Occur ToProtoOccur(const ParsedClause& clause) {
  switch (clause.occur) {
    case Occur::kMustNot:
      return loupe::v1::OCCUR_MUST_NOT;
    case Occur::kMust:
      return loupe::v1::OCCUR_MUST;
    case Occur::kShould:
      break;
  }
  // A phrase's words must all occur (until phrase positions exist).
  return clause.kind == ParsedClause::Kind::kPhrase ? loupe::v1::OCCUR_MUST
                                                    : loupe::v1::OCCUR_SHOULD;
}

// A token's term by its byte offset in the analysed text.
using TermsByOffset = absl::flat_hash_map<uint32_t, std::string>;

}  // namespace

std::vector<std::string> DefaultQueryLanguages() { return {"en", "fr", "und"}; }

absl::StatusOr<std::vector<std::string>> ParseQueryLanguages(absl::string_view list) {
  std::vector<std::string> languages;
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    std::string code = absl::AsciiStrToLower(entry);
    if (code != "und") code = NormaliseLanguageCode(entry);
    if (code.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query language \"", entry, "\" is neither \"und\" nor a 2–3 letter language code"));
    }
    if (std::find(languages.begin(), languages.end(), code) != languages.end()) {
      return absl::InvalidArgumentError(absl::StrCat("query language \"", code, "\" is repeated"));
    }
    languages.push_back(std::move(code));
  }
  if (languages.size() > kMaxQueryLanguages) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxQueryLanguages, " query languages, got ", languages.size()));
  }
  return languages;
}

PlanBuilder::PlanBuilder(size_t max_clauses, std::vector<std::string> query_languages)
    : max_clauses_(max_clauses),
      query_languages_(std::move(query_languages)),
      analyzer_(MakeDefaultAnalyzer()) {
  if (query_languages_.empty()) query_languages_ = DefaultQueryLanguages();
}

absl::StatusOr<loupe::v1::QueryPlan> PlanBuilder::Build(const ParsedQuery& parsed,
                                                        absl::string_view lang) const {
  const std::vector<std::string> requested = {std::string(lang)};
  const std::vector<std::string>& languages = lang.empty() ? query_languages_ : requested;
  absl::StatusOr<loupe::v1::QueryPlan> plan =
      BuildWith(parsed, languages, /*drop_stop_words=*/true);
  if (plan.ok() && !HasScoringClause(*plan)) {
    // Only stop words (or only exclusions): keep the query unfiltered.
    plan = BuildWith(parsed, languages, /*drop_stop_words=*/false);
  }
  if (plan.ok() && !HasScoringClause(*plan)) {
    return absl::InvalidArgumentError("the query has no searchable term");
  }
  return plan;
}

absl::StatusOr<loupe::v1::QueryPlan> PlanBuilder::BuildWith(
    const ParsedQuery& parsed, const std::vector<std::string>& languages,
    bool drop_stop_words) const {
  loupe::v1::QueryPlan plan;
  // (forms, field, occur) -> index of its clause in the plan.
  absl::flat_hash_map<std::tuple<std::string, int, int>, int> seen;
  size_t form_count = 0;
  std::vector<Token> words;
  std::vector<Token> tokens;
  std::vector<TermsByOffset> by_language(languages.size());
  std::vector<std::string> forms;
  for (const ParsedClause& clause : parsed.clauses) {
    // Segmentation does not depend on the language, so tokens of the same
    // word share their begin offset across analyses; a word missing from a
    // language's analysis is one of its stop words.
    words.clear();
    analyzer_->Analyze(clause.text, kUnknownLanguage, &words);
    for (size_t l = 0; l < languages.size(); ++l) {
      tokens.clear();
      by_language[l].clear();
      analyzer_->Analyze(clause.text, languages[l], &tokens);
      for (Token& token : tokens) by_language[l].emplace(token.begin, std::move(token.term));
    }
    const loupe::v1::Field field = ToProtoField(clause.field);
    const loupe::v1::Occur occur = ToProtoOccur(clause);
    for (const Token& word : words) {
      forms.clear();
      bool stop_word = false;
      for (const TermsByOffset& terms : by_language) {
        auto it = terms.find(word.begin);
        if (it == terms.end()) {
          stop_word = true;
          continue;
        }
        if (std::find(forms.begin(), forms.end(), it->second) == forms.end()) {
          forms.push_back(it->second);
        }
      }
      if (stop_word && drop_stop_words) continue;
      if (forms.empty()) forms.push_back(word.term);  // A stop word in every language.

      auto [it, inserted] = seen.try_emplace(
          std::make_tuple(absl::StrJoin(forms, std::string(1, '\0')), static_cast<int>(field),
                          static_cast<int>(occur)),
          plan.clauses_size());
      if (!inserted) {
        auto* existing = plan.mutable_clauses(it->second);
        existing->set_boost(std::max(existing->boost(), clause.boost));
        continue;
      }
      if (static_cast<size_t>(plan.clauses_size()) >= max_clauses_) {
        return absl::InvalidArgumentError(
            absl::StrCat("too many clauses after analysis (the limit is ", max_clauses_,
                         ") at position ", clause.position));
      }
      form_count += forms.size();
      if (form_count > kMaxPlanForms) {
        return absl::InvalidArgumentError(
            absl::StrCat("too many terms after analysis (the limit is ", kMaxPlanForms,
                         " forms in all query languages) at position ", clause.position));
      }
      loupe::v1::TermClause* term = plan.add_clauses();
      term->set_term(forms[0]);
      for (size_t f = 1; f < forms.size(); ++f) term->add_alternatives(forms[f]);
      term->set_field(field);
      term->set_occur(occur);
      term->set_boost(clause.boost);
    }
  }
  return plan;
}

bool HasScoringClause(const loupe::v1::QueryPlan& plan) {
  return std::any_of(plan.clauses().begin(), plan.clauses().end(),
                     [](const loupe::v1::TermClause& clause) {
                       return clause.occur() != loupe::v1::OCCUR_MUST_NOT;
                     });
}

}  // namespace loupe::query
