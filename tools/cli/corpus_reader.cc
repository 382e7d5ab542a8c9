#include "tools/cli/corpus_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/cli/json_document.h"
#include "tools/cli/output_format.h"

namespace loupe::cli {
namespace {

constexpr size_t kReadChunkBytes = 256 << 10;
constexpr size_t kMaxTitleBytes = 512;
constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string CollapseWhitespace(absl::string_view text) {
  std::string out;
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \t\r\n\f\v"),
                                               absl::SkipEmpty())) {
    if (!out.empty()) out.push_back(' ');
    absl::StrAppend(&out, word);
  }
  return out;
}

}  // namespace

CorpusFormat FormatForPath(absl::string_view path) {
  std::string name = absl::AsciiStrToLower(path);
  if (absl::EndsWith(name, ".gz")) name.resize(name.size() - 3);
  for (absl::string_view extension : {".jsonl", ".json", ".ndjson"}) {
    if (absl::EndsWith(name, extension)) return CorpusFormat::kJsonLines;
  }
  for (absl::string_view extension : {".html", ".htm", ".xhtml"}) {
    if (absl::EndsWith(name, extension)) return CorpusFormat::kHtml;
  }
  return CorpusFormat::kText;
}

// ---------------------------------------------------------------- LineReader

LineReader::LineReader(std::string path, gzFile file, uint64_t file_size)
    : path_(std::move(path)), file_(file), file_size_(file_size) {}

LineReader::~LineReader() { gzclose(file_); }

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) return absl::InvalidArgumentError(path + ": is a directory");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  gzbuffer(file, kReadChunkBytes);
  return std::unique_ptr<LineReader>(
      new LineReader(path, file, static_cast<uint64_t>(info.st_size)));
}

uint64_t LineReader::file_bytes_read() const {
  const z_off_t offset = gzoffset(file_);
  return offset < 0 ? 0 : std::min<uint64_t>(static_cast<uint64_t>(offset), file_size_);
}

absl::StatusOr<bool> LineReader::Fill() {
  if (eof_) return false;
  if (position_ > 0) {  // keep only the unread tail
    buffer_.erase(0, position_);
    position_ = 0;
  }
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunkBytes);
  const int read = gzread(file_, buffer_.data() + old_size, kReadChunkBytes);
  if (read < 0) {
    int code = 0;
    const char* message = gzerror(file_, &code);
    buffer_.resize(old_size);
    return absl::DataLossError(absl::StrCat(path_, ": read error after line ", line_number_,
                                            ": ", message));
  }
  buffer_.resize(old_size + static_cast<size_t>(read));
  if (read == 0) {
    eof_ = true;
    int code = 0;
    const char* message = gzerror(file_, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      return absl::DataLossError(absl::StrCat(path_, ": read error after line ", line_number_,
                                              ": ", message));
    }
    return false;
  }
  return true;
}

absl::StatusOr<bool> LineReader::ReadLine(std::string* line) {
  size_t newline;
  while ((newline = buffer_.find('\n', position_)) == std::string::npos) {
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  if (newline == std::string::npos) {
    if (position_ >= buffer_.size()) return false;
    newline = buffer_.size();  // last line without a terminator
  }
  line->assign(buffer_, position_, newline - position_);
  position_ = std::min(newline + 1, buffer_.size());
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_number_ == 0 && absl::StartsWith(*line, kUtf8Bom)) line->erase(0, kUtf8Bom.size());
  ++line_number_;
  return true;
}

absl::StatusOr<std::string> LineReader::ReadAll() {
  while (true) {
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  std::string all = buffer_.substr(position_);
  position_ = buffer_.size();
  if (line_number_ == 0 && absl::StartsWith(all, kUtf8Bom)) all.erase(0, kUtf8Bom.size());
  return all;
}

// ---------------------------------------------------------------- CorpusReader

absl::StatusOr<std::unique_ptr<CorpusReader>> CorpusReader::Open(const std::string& path,
                                                                 const Options& options) {
  absl::StatusOr<std::unique_ptr<LineReader>> lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  return std::unique_ptr<CorpusReader>(
      new CorpusReader(*std::move(lines), FormatForPath(path), options));
}

std::vector<std::string> CorpusReader::TakeWarnings() {
  std::vector<std::string> taken;
  taken.swap(warnings_);
  return taken;
}

absl::StatusOr<bool> CorpusReader::Next(CorpusRecord* record) {
  if (format_ != CorpusFormat::kJsonLines) return NextSingleDocument(record);
  while (true) {
    absl::StatusOr<bool> more = lines_->ReadLine(&line_);
    if (!more.ok() || !*more) return more;
    if (absl::StripAsciiWhitespace(line_).empty()) continue;
    const std::string where = absl::StrCat(path(), ":", lines_->line_number(), ": ");
    std::vector<std::string> warnings;
    absl::Status status = JsonLineToDocument(line_, &record->document, &warnings);
    if (!status.ok()) {
      if (!options_.skip_bad_lines) {
        return absl::InvalidArgumentError(absl::StrCat(where, status.message()));
      }
      ++bad_lines_;
      warnings_.push_back(absl::StrCat(where, status.message(), " (line skipped)"));
      continue;
    }
    for (const std::string& warning : warnings) warnings_.push_back(where + warning);
    record->line = lines_->line_number();
    return true;
  }
}

absl::StatusOr<bool> CorpusReader::NextSingleDocument(CorpusRecord* record) {
  if (single_document_done_) return false;
  single_document_done_ = true;
  absl::StatusOr<std::string> body = lines_->ReadAll();
  if (!body.ok()) return body.status();
  record->document.Clear();
  record->line = 1;
  record->document.set_id(options_.single_document_id);
  if (format_ == CorpusFormat::kHtml) {
    record->document.set_title(HtmlTitle(*body));
    record->document.set_content_type("text/html");
  } else {
    record->document.set_title(TextTitle(*body));
  }
  record->document.set_body(*std::move(body));
  return true;
}

std::string TextTitle(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) return std::string(TruncateUtf8(line, kMaxTitleBytes));
  }
  return "";
}

std::string HtmlTitle(absl::string_view html) {
  // Case-insensitive search in a lowered copy keeps offsets aligned (ASCII only).
  const std::string lowered = absl::AsciiStrToLower(html);
  size_t open = lowered.find("<title");
  while (open != std::string::npos && open + 6 < lowered.size() &&
         lowered[open + 6] != '>' && !absl::ascii_isspace(lowered[open + 6])) {
    open = lowered.find("<title", open + 6);  // e.g. <titlebar>
  }
  if (open == std::string::npos) return "";
  const size_t start = lowered.find('>', open);
  if (start == std::string::npos) return "";
  const size_t end = lowered.find("</title", start);
  if (end == std::string::npos) return "";
  const std::string title =
      CollapseWhitespace(HtmlUnescape(html.substr(start + 1, end - start - 1)));
  return std::string(TruncateUtf8(title, kMaxTitleBytes));
}

}  // namespace loupe::cli
