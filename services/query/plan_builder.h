// Turns a ParsedQuery into the loupe::v1::QueryPlan that the index shards
// execute. Every term and phrase word is analysed with the same analyser the
// shards use at index time (MakeDefaultAnalyzer()), once per query language,
// so a query word meets the indexed term whatever the document's language.
//
// Query languages: the request's language when it gives one, else the
// configured list (loupe-query --query_languages, default en,fr,und; "und"
// is the unstemmed form). Each query word becomes ONE clause whose `term`
// and `alternatives` are its distinct analysed forms, in list order
// ("running" -> run, running); shards score the forms as one term (tf summed,
// df = the largest of the forms').
//
// Contract:
//  - The plan's `root` is a BooleanQuery mirroring the parsed tree: groups
//    become BooleanQuery nodes (occur SHOULD/MUST/MUST_NOT/FILTER), filters
//    become FilterClause nodes (source/lang/tag as keyword terms, see
//    services/common/keyword_terms.h; dates as inclusive second ranges).
//  - One word may give several tokens ("open-source" -> open, source); each
//    becomes a term node with the word's occur, field and boost.
//  - Stop words: a word that any query language drops as a stop word is
//    left out entirely (its documents in that language never index it). In
//    a phrase it leaves a gap: the next word's offset skips its position,
//    as the index does. If that leaves no scored term, the query is planned
//    again without dropping stop words.
//  - A phrase of one word is a term; a prefix is folded (case, accents, not
//    stemmed) and its expansions are left for loupe-query to fill in.
//  - Identical (forms, field, occur) terms in one group are merged,
//    keeping the largest boost, so "nvidia nvidia" does not count twice
//    (PlanRanking::repeated_words_add_up: summing the boosts instead).
//  - PlanRanking::stemmed_forms_only: the "und" form of a word is left out
//    when another query language analysed the word into other forms.
//  - Proximity (PlanRanking::proximity_boost > 0): in each group, every two
//    adjacent SHOULD words of plain terms (same field scope; user phrases,
//    prefixes, groups, filters and MUST/MUST_NOT terms break the chain)
//    also get a SHOULD PhraseClause of the two words, offsets 0 and the
//    distance between them (2 when one stop word was dropped between; at
//    most kMaxProximityGap), boost proximity_boost times the smaller of the
//    two words' boosts: the ordered-window part of a sequential dependence
//    model. The phrases come after the group's own clauses, identical ones
//    once; they never change which documents match (a phrase only matches
//    where both its words do) and do not count against `max_clauses`.
//  - Optional groups ("a (b c)": SHOULD clauses only, boost 1) are inlined
//    into the enclosing group (plan_rewrite.h), so plain queries with
//    parentheses stay one flat disjunction for the shards.
//  - INVALID_ARGUMENT "the query has no searchable term" when nothing
//    scores and nothing filters, "too many clauses" when analysis yields
//    more than `max_clauses` terms, "too many terms" beyond kMaxPlanForms.
//
//   PlanBuilder builder(/*max_clauses=*/64, {"en", "fr", "und"});
//   absl::StatusOr<loupe::v1::QueryPlan> plan =
//       builder.Build(*ParseQuery("running -ai", {}), /*lang=*/"");
//   // plan->root: boolean {SHOULD run [running]; MUST_NOT ai}
#ifndef LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_
#define LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/index.pb.h"
#include "loupe/v1/query.pb.h"
#include "services/common/analysis/analyzer.h"
#include "services/query/query_parser.h"

namespace loupe::query {

// Forms (term + alternatives) a plan may carry in all: each needs a
// TermStats entry per field, and TermStats takes at most 1,024.
inline constexpr size_t kMaxPlanForms = 512;
// Most languages in a query-language list.
inline constexpr size_t kMaxQueryLanguages = 8;
// Largest position distance of a proximity pair (2 stop words between).
inline constexpr uint32_t kMaxProximityGap = 3;
// Largest PlanRanking::proximity_boost.
inline constexpr float kMaxProximityBoost = 10.0f;

// Query-side ranking options (loupe-query flags).
struct PlanRanking {
  // Boost of the proximity phrase of two adjacent query words; 0 = none.
  float proximity_boost = 0;
  // A word that a stemming query language analysed loses its "und"
  // (unstemmed) form unless that form is also a stemmed one.
  bool stemmed_forms_only = false;
  // A word repeated in a group adds its boosts (query term frequency)
  // instead of keeping the largest.
  bool repeated_words_add_up = false;
  // Proximity phrases of unscoped words score in the body only (not also
  // in the title).
  bool proximity_body_only = false;
};

// The default of --query_languages.
std::vector<std::string> DefaultQueryLanguages();

// The ranking loupe-query uses unless its flags say otherwise (chosen
// leave-one-collection-out, README "Relevance"): proximity 0.2 in the body,
// repeated words adding up. loupe-bench plans with it too.
PlanRanking DefaultPlanRanking();

// "en,fr,und" -> {"en", "fr", "und"}: 1–8 distinct entries, each "und" or a
// 2–3 letter language code (normalised: "FR" -> "fr"). INVALID_ARGUMENT
// naming the bad entry otherwise.
absl::StatusOr<std::vector<std::string>> ParseQueryLanguages(absl::string_view list);

class PlanBuilder {
 public:
  // `query_languages` as ParseQueryLanguages returns them.
  explicit PlanBuilder(size_t max_clauses,
                       std::vector<std::string> query_languages = DefaultQueryLanguages(),
                       PlanRanking ranking = {});

  // `lang`: the query's language (ISO 639-1, "und" = unknown), or "" to use
  // the configured list. Thread-safe.
  absl::StatusOr<loupe::v1::QueryPlan> Build(const ParsedQuery& parsed,
                                             absl::string_view lang = "") const;

  // The typed filters of a request as FILTER clauses of `root` (creating
  // an empty root when the plan has none). INVALID_ARGUMENT naming the
  // field (filters.tags[1]) for an empty value or an empty date range.
  static absl::Status AddTypedFilters(const loupe::v1::SearchFilters& filters,
                                      loupe::v1::QueryPlan* plan);

 private:
  class Converter;

  size_t max_clauses_;
  std::vector<std::string> query_languages_;
  PlanRanking ranking_;
  std::unique_ptr<Analyzer> analyzer_;
};

// True when the plan has at least one scored term, phrase or prefix (flat:
// a SHOULD or MUST clause) outside an excluded clause.
bool HasScoringClause(const loupe::v1::QueryPlan& plan);

// True when the plan's root has at least one clause that is not MUST_NOT.
bool HasPositiveClause(const loupe::v1::QueryPlan& plan);

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_PLAN_BUILDER_H_
