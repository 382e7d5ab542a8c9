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
#include "services/common/keyword_terms.h"
#include "services/common/status_util.h"
#include "services/query/plan_rewrite.h"

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

loupe::v1::Occur ToProtoOccur(Occur occur) {
  switch (occur) {
    case Occur::kMustNot:
      return loupe::v1::OCCUR_MUST_NOT;
    case Occur::kMust:
      return loupe::v1::OCCUR_MUST;
    case Occur::kFilter:
      return loupe::v1::OCCUR_FILTER;
    case Occur::kShould:
      break;
  }
  return loupe::v1::OCCUR_SHOULD;
}

bool NodeHasScoredLeaf(const loupe::v1::QueryNode& node) {
  switch (node.kind_case()) {
    case loupe::v1::QueryNode::kTerm:
    case loupe::v1::QueryNode::kPhrase:
    case loupe::v1::QueryNode::kPrefix:
      return true;
    case loupe::v1::QueryNode::kBoolean:
      for (const auto& clause : node.boolean().clauses()) {
        if ((clause.occur() == loupe::v1::OCCUR_MUST ||
             clause.occur() == loupe::v1::OCCUR_SHOULD) &&
            NodeHasScoredLeaf(clause.node())) {
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

std::vector<std::string> DefaultQueryLanguages() { return {"en", "fr", "und"}; }

PlanRanking DefaultPlanRanking() {
  PlanRanking ranking;
  ranking.proximity_boost = 0.2f;
  ranking.stemmed_forms_only = false;
  ranking.repeated_words_add_up = true;
  ranking.proximity_body_only = true;
  return ranking;
}

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

PlanBuilder::PlanBuilder(size_t max_clauses, std::vector<std::string> query_languages,
                         PlanRanking ranking)
    : max_clauses_(max_clauses),
      query_languages_(std::move(query_languages)),
      ranking_(ranking),
      analyzer_(MakeDefaultAnalyzer()) {
  if (query_languages_.empty()) query_languages_ = DefaultQueryLanguages();
}

// Converts one parsed tree, analysing its text in `languages`.
class PlanBuilder::Converter {
 public:
  Converter(const PlanBuilder& builder, const std::vector<std::string>& languages,
            bool drop_stop_words)
      : builder_(builder), languages_(languages), drop_stop_words_(drop_stop_words) {
    // "und" first (every word, for the inventory and the positions), then
    // the other query languages; analysis_index_ maps each to its list.
    analysis_languages_.emplace_back(kUnknownLanguage);
    for (const std::string& language : languages_) {
      if (language == kUnknownLanguage) {
        analysis_index_.push_back(0);
        continue;
      }
      analysis_index_.push_back(analysis_languages_.size());
      analysis_languages_.push_back(language);
    }
  }

  absl::Status Group(const ParsedNode& group, loupe::v1::BooleanQuery* out) {
    out->set_boost(group.boost);
    // (forms, field, occur) -> index of its clause in `out`.
    absl::flat_hash_map<std::tuple<std::string, int, int>, int> seen;
    ProximityChain proximity;
    for (const ParsedNode& child : group.children) {
      const loupe::v1::Occur occur = ToProtoOccur(child.occur);
      const bool chained = child.kind == ParsedNode::Kind::kTerm &&
                           child.occur == Occur::kShould &&
                           builder_.ranking_.proximity_boost > 0;
      if (!chained) proximity.Break();
      switch (child.kind) {
        case ParsedNode::Kind::kTerm: {
          std::vector<std::vector<std::string>> words;
          std::vector<uint32_t> offsets;
          uint32_t token_count = 0;
          LOUPE_RETURN_IF_ERROR(Words(child.text, child.position, &words, &offsets, &token_count));
          const loupe::v1::Field field = ToProtoField(child.field);
          if (chained) {
            for (size_t w = 0; w < words.size(); ++w) {
              proximity.Add(words[w], offsets[w], field, child.boost);
            }
            proximity.Advance(token_count);
          }
          for (std::vector<std::string>& forms : words) {
            auto [it, inserted] = seen.try_emplace(
                std::make_tuple(absl::StrJoin(forms, std::string(1, '\0')),
                                static_cast<int>(field), static_cast<int>(occur)),
                out->clauses_size());
            if (!inserted) {
              auto* term = out->mutable_clauses(it->second)->mutable_node()->mutable_term();
              term->set_boost(builder_.ranking_.repeated_words_add_up
                                  ? term->boost() + child.boost
                                  : std::max(term->boost(), child.boost));
              continue;
            }
            loupe::v1::BooleanClause* clause = out->add_clauses();
            clause->set_occur(occur);
            FillTerm(forms, field, child.boost, clause->mutable_node()->mutable_term());
          }
          break;
        }
        case ParsedNode::Kind::kPhrase: {
          std::vector<std::vector<std::string>> words;
          std::vector<uint32_t> offsets;
          LOUPE_RETURN_IF_ERROR(Words(child.text, child.position, &words, &offsets, nullptr));
          if (words.empty()) break;
          loupe::v1::BooleanClause* clause = out->add_clauses();
          clause->set_occur(occur);
          if (words.size() == 1) {
            FillTerm(words[0], ToProtoField(child.field), child.boost,
                     clause->mutable_node()->mutable_term());
            break;
          }
          loupe::v1::PhraseClause* phrase = clause->mutable_node()->mutable_phrase();
          phrase->set_field(ToProtoField(child.field));
          phrase->set_boost(child.boost);
          for (size_t w = 0; w < words.size(); ++w) {
            FillTerm(words[w], loupe::v1::FIELD_UNSPECIFIED, 0, phrase->add_words());
            phrase->add_offsets(offsets[w] - offsets[0]);
          }
          break;
        }
        case ParsedNode::Kind::kPrefix: {
          std::vector<Token> tokens;
          builder_.analyzer_->Analyze(child.text, kUnknownLanguage, &tokens);
          if (tokens.size() != 1) {
            return absl::InvalidArgumentError(absl::StrCat(
                "a prefix must be one word before '*' at position ", child.position));
          }
          loupe::v1::BooleanClause* clause = out->add_clauses();
          clause->set_occur(occur);
          loupe::v1::PrefixClause* prefix = clause->mutable_node()->mutable_prefix();
          prefix->set_prefix(tokens[0].term);
          prefix->set_field(ToProtoField(child.field));
          prefix->set_boost(child.boost);
          prefix->set_query_position(static_cast<uint32_t>(child.position));
          ++terms_;
          break;
        }
        case ParsedNode::Kind::kKeyword: {
          loupe::v1::BooleanClause* clause = out->add_clauses();
          clause->set_occur(occur);
          loupe::v1::KeywordFilter* keyword =
              clause->mutable_node()->mutable_filter()->mutable_keyword();
          switch (child.keyword) {
            case KeywordField::kSource:
              keyword->set_field(loupe::v1::FIELD_SOURCE);
              keyword->set_value(KeywordTerm(child.text));
              break;
            case KeywordField::kLang:
              keyword->set_field(loupe::v1::FIELD_LANG);
              keyword->set_value(KeywordTerm(child.text));
              break;
            case KeywordField::kTag:
              keyword->set_field(loupe::v1::FIELD_TAG);
              keyword->set_value(TagFilterTerm(child.text));
              break;
          }
          break;
        }
        case ParsedNode::Kind::kDate: {
          loupe::v1::BooleanClause* clause = out->add_clauses();
          clause->set_occur(occur);
          loupe::v1::DateRangeFilter* date =
              clause->mutable_node()->mutable_filter()->mutable_date();
          if (child.min_seconds) date->set_min_seconds(*child.min_seconds);
          if (child.max_seconds) date->set_max_seconds(*child.max_seconds);
          break;
        }
        case ParsedNode::Kind::kGroup: {
          loupe::v1::BooleanQuery nested;
          LOUPE_RETURN_IF_ERROR(Group(child, &nested));
          // A group left without a positive clause (stop words only) goes.
          const bool positive = std::any_of(
              nested.clauses().begin(), nested.clauses().end(),
              [](const auto& c) { return c.occur() != loupe::v1::OCCUR_MUST_NOT; });
          if (!positive) break;
          loupe::v1::BooleanClause* clause = out->add_clauses();
          clause->set_occur(occur);
          *clause->mutable_node()->mutable_boolean() = std::move(nested);
          break;
        }
      }
    }
    for (const ProximityChain::Pair& pair : proximity.pairs()) {
      loupe::v1::BooleanClause* clause = out->add_clauses();
      clause->set_occur(loupe::v1::OCCUR_SHOULD);
      loupe::v1::PhraseClause* phrase = clause->mutable_node()->mutable_phrase();
      phrase->set_field(pair.field == loupe::v1::FIELD_UNSPECIFIED &&
                                builder_.ranking_.proximity_body_only
                            ? loupe::v1::FIELD_BODY
                            : pair.field);
      phrase->set_boost(builder_.ranking_.proximity_boost * pair.boost);
      FillTerm(pair.first, loupe::v1::FIELD_UNSPECIFIED, 0, phrase->add_words());
      FillTerm(pair.second, loupe::v1::FIELD_UNSPECIFIED, 0, phrase->add_words());
      phrase->add_offsets(0);
      phrase->add_offsets(pair.gap);
    }
    return absl::OkStatus();
  }

 private:
  // The adjacent scored words of a run of plain SHOULD terms in one group,
  // as proximity pairs. Positions count every token of the run, dropped
  // stop words included, so a pair's gap is what it is in a document.
  class ProximityChain {
   public:
    struct Pair {
      std::vector<std::string> first;
      std::vector<std::string> second;
      uint32_t gap = 1;
      loupe::v1::Field field = loupe::v1::FIELD_UNSPECIFIED;
      float boost = 1;
    };

    // A scored word at `offset` within the current term's tokens.
    void Add(const std::vector<std::string>& forms, uint32_t offset, loupe::v1::Field field,
             float boost) {
      const uint32_t position = base_ + offset;
      if (has_previous_ && previous_field_ == field && position > previous_position_ &&
          position - previous_position_ <= kMaxProximityGap) {
        Pair pair{previous_forms_, forms, position - previous_position_, field,
                  std::min(previous_boost_, boost)};
        std::string key = absl::StrCat(absl::StrJoin(pair.first, std::string(1, '\0')),
                                       std::string(1, '\1'),
                                       absl::StrJoin(pair.second, std::string(1, '\0')), "/",
                                       pair.gap, "/", static_cast<int>(field));
        auto [it, inserted] = seen_.try_emplace(std::move(key), pairs_.size());
        if (inserted) {
          pairs_.push_back(std::move(pair));
        } else {
          pairs_[it->second].boost = std::max(pairs_[it->second].boost, pair.boost);
        }
      }
      has_previous_ = true;
      previous_forms_ = forms;
      previous_position_ = position;
      previous_field_ = field;
      previous_boost_ = boost;
    }
    // The current term's `token_count` tokens are done.
    void Advance(uint32_t token_count) { base_ += token_count; }
    // Something other than a plain SHOULD term: the next word starts anew.
    void Break() { has_previous_ = false; }

    const std::vector<Pair>& pairs() const { return pairs_; }

   private:
    uint32_t base_ = 0;
    bool has_previous_ = false;
    std::vector<std::string> previous_forms_;
    uint32_t previous_position_ = 0;
    loupe::v1::Field previous_field_ = loupe::v1::FIELD_UNSPECIFIED;
    float previous_boost_ = 1;
    std::vector<Pair> pairs_;
    // Pair key -> index in pairs_: a repeated pair keeps the largest boost.
    absl::flat_hash_map<std::string, size_t> seen_;
  };

  void FillTerm(const std::vector<std::string>& forms, loupe::v1::Field field, float boost,
                loupe::v1::TermClause* term) {
    term->set_term(forms[0]);
    for (size_t f = 1; f < forms.size(); ++f) term->add_alternatives(forms[f]);
    term->set_field(field);
    if (boost != 0) term->set_boost(boost);
  }

  // The analysed words of `text`: each word's distinct forms over the query
  // languages (stop words left out when dropping them) and, when `offsets`
  // is given, each word's position; `token_count` (optional) gets the number
  // of positions the text takes, dropped stop words included.
  absl::Status Words(const std::string& text, size_t position,
                     std::vector<std::vector<std::string>>* words,
                     std::vector<uint32_t>* offsets, uint32_t* token_count) {
    // One analysis per language over one segmentation: the tokens of a
    // word share their begin offset across the lists, which are in text
    // order; a word missing from a language's list is one of its stop words.
    for (std::vector<Token>& list : analysed_) list.clear();
    builder_.analyzer_->AnalyzeInLanguages(analysis_languages_, text, &analysed_);
    const std::vector<Token>& unanalysed = analysed_[0];
    if (token_count != nullptr) {
      *token_count = unanalysed.empty() ? 0 : unanalysed.back().position + 1;
    }
    // Per list, the first token not before the current word.
    next_token_.assign(analysed_.size(), 0);
    auto term_at = [&](size_t list_index, uint32_t begin) -> const std::string* {
      const std::vector<Token>& list = analysed_[list_index];
      size_t& next = next_token_[list_index];
      while (next < list.size() && list[next].begin < begin) ++next;
      return next < list.size() && list[next].begin == begin ? &list[next].term : nullptr;
    };
    const bool stemmed_only = builder_.ranking_.stemmed_forms_only && languages_.size() > 1;
    for (const Token& word : unanalysed) {
      std::vector<std::string> forms;
      bool stop_word = false;
      const std::string* unstemmed = nullptr;
      for (size_t l = 0; l < languages_.size(); ++l) {
        const std::string* term = term_at(analysis_index_[l], word.begin);
        if (term == nullptr) {
          stop_word = true;
          continue;
        }
        if (stemmed_only && languages_[l] == kUnknownLanguage) {
          unstemmed = term;
          continue;
        }
        if (std::find(forms.begin(), forms.end(), *term) == forms.end()) {
          forms.push_back(*term);
        }
      }
      // The unstemmed form only when no other language analysed the word.
      if (unstemmed != nullptr && forms.empty()) forms.push_back(*unstemmed);
      if (stop_word && drop_stop_words_) continue;
      if (forms.empty()) forms.push_back(word.term);  // A stop word in every language.
      if (++terms_ > builder_.max_clauses_) {
        return absl::InvalidArgumentError(
            absl::StrCat("too many clauses after analysis (the limit is ", builder_.max_clauses_,
                         ") at position ", position));
      }
      forms_ += forms.size();
      if (forms_ > kMaxPlanForms) {
        return absl::InvalidArgumentError(
            absl::StrCat("too many terms after analysis (the limit is ", kMaxPlanForms,
                         " forms in all query languages) at position ", position));
      }
      words->push_back(std::move(forms));
      if (offsets != nullptr) offsets->push_back(word.position);
    }
    return absl::OkStatus();
  }

  const PlanBuilder& builder_;
  const std::vector<std::string>& languages_;
  bool drop_stop_words_;
  // What Words analyses a text in, and each query language's list there.
  std::vector<std::string> analysis_languages_;
  std::vector<size_t> analysis_index_;
  // Words' per-call buffers, kept for their capacity.
  std::vector<std::vector<Token>> analysed_;
  std::vector<size_t> next_token_;
  size_t terms_ = 0;
  size_t forms_ = 0;
};

absl::StatusOr<loupe::v1::QueryPlan> PlanBuilder::Build(const ParsedQuery& parsed,
                                                        absl::string_view lang) const {
  const std::vector<std::string> requested = {std::string(lang)};
  const std::vector<std::string>& languages = lang.empty() ? query_languages_ : requested;
  loupe::v1::QueryPlan plan;
  LOUPE_RETURN_IF_ERROR(Converter(*this, languages, /*drop_stop_words=*/true)
                            .Group(parsed.root, plan.mutable_root()->mutable_boolean()));
  if (!HasScoringClause(plan)) {
    // Only stop words (or only exclusions and filters): keep them.
    loupe::v1::QueryPlan unfiltered;
    LOUPE_RETURN_IF_ERROR(Converter(*this, languages, /*drop_stop_words=*/false)
                              .Group(parsed.root, unfiltered.mutable_root()->mutable_boolean()));
    if (HasScoringClause(unfiltered)) plan = std::move(unfiltered);
  }
  if (!HasPositiveClause(plan)) {
    return absl::InvalidArgumentError("the query has no searchable term");
  }
  InlineOptionalGroups(plan.mutable_root());
  return plan;
}

absl::Status PlanBuilder::AddTypedFilters(const loupe::v1::SearchFilters& filters,
                                          loupe::v1::QueryPlan* plan) {
  FieldViolations violations;
  loupe::v1::BooleanQuery* root = plan->mutable_root()->mutable_boolean();
  // Any of `values` (one FILTER clause: a keyword, or an OR of keywords).
  auto any_of = [&](const auto& values, loupe::v1::Field field, absl::string_view name,
                    auto to_term) {
    if (values.empty()) return;
    loupe::v1::BooleanClause* clause = root->add_clauses();
    clause->set_occur(loupe::v1::OCCUR_FILTER);
    loupe::v1::BooleanQuery* any = clause->mutable_node()->mutable_boolean();
    for (int i = 0; i < values.size(); ++i) {
      const std::string term = to_term(values[i]);
      if (KeywordTerm(values[i]).empty()) {
        violations.Add(absl::StrCat("filters.", name, "[", i, "]"), "is empty");
      }
      loupe::v1::BooleanClause* option = any->add_clauses();
      option->set_occur(loupe::v1::OCCUR_SHOULD);
      option->mutable_node()->mutable_filter()->mutable_keyword()->set_field(field);
      option->mutable_node()->mutable_filter()->mutable_keyword()->set_value(term);
    }
  };
  any_of(filters.sources(), loupe::v1::FIELD_SOURCE, "sources",
         [](const std::string& v) { return KeywordTerm(v); });
  any_of(filters.langs(), loupe::v1::FIELD_LANG, "langs",
         [](const std::string& v) { return KeywordTerm(v); });
  for (int i = 0; i < filters.tags_size(); ++i) {
    if (KeywordTerm(filters.tags(i)).empty() || filters.tags(i).front() == '=') {
      violations.Add(absl::StrCat("filters.tags[", i, "]"), "must be \"key=value\" or \"key\"");
      continue;
    }
    loupe::v1::BooleanClause* clause = root->add_clauses();
    clause->set_occur(loupe::v1::OCCUR_FILTER);
    auto* keyword = clause->mutable_node()->mutable_filter()->mutable_keyword();
    keyword->set_field(loupe::v1::FIELD_TAG);
    keyword->set_value(TagFilterTerm(filters.tags(i)));
  }
  if (filters.has_published_after() || filters.has_published_before()) {
    loupe::v1::BooleanClause* clause = root->add_clauses();
    clause->set_occur(loupe::v1::OCCUR_FILTER);
    loupe::v1::DateRangeFilter* date = clause->mutable_node()->mutable_filter()->mutable_date();
    if (filters.has_published_after()) {
      // Seconds granularity: a fractional bound rounds up.
      const auto& after = filters.published_after();
      date->set_min_seconds(after.seconds() + (after.nanos() > 0 ? 1 : 0));
    }
    if (filters.has_published_before()) {
      const auto& before = filters.published_before();
      date->set_max_seconds(before.nanos() > 0 ? before.seconds() : before.seconds() - 1);
    }
    if (date->has_min_seconds() && date->has_max_seconds() &&
        date->min_seconds() > date->max_seconds()) {
      violations.Add("filters.published_before", "must be after filters.published_after");
    }
  }
  if (!violations.empty()) return violations.ToStatus("invalid search filters");
  return absl::OkStatus();
}

bool HasScoringClause(const loupe::v1::QueryPlan& plan) {
  if (plan.has_root()) return NodeHasScoredLeaf(plan.root());
  return std::any_of(plan.clauses().begin(), plan.clauses().end(),
                     [](const loupe::v1::TermClause& clause) {
                       return clause.occur() != loupe::v1::OCCUR_MUST_NOT;
                     });
}

bool HasPositiveClause(const loupe::v1::QueryPlan& plan) {
  if (!plan.has_root()) return HasScoringClause(plan);
  if (!plan.root().has_boolean()) return true;
  for (const auto& clause : plan.root().boolean().clauses()) {
    if (clause.occur() != loupe::v1::OCCUR_MUST_NOT) return true;
  }
  return false;
}

}  // namespace loupe::query
