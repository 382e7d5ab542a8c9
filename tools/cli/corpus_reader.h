// Reading documents to ingest from files: JSON Lines (plain or gzip, one
// document per line, with line numbers for error messages) or a single
// .txt/.html file that is one document.
//
// Format by name: *.jsonl, *.json, *.ndjson, optionally followed by .gz, are
// JSON Lines; anything else is one document (gzip also accepted). For a text
// file the title is its first non-empty line; for HTML it is the <title>
// (body sent as is, content_type "text/html", the server removes the markup).
// Empty lines of a JSON Lines file are skipped.
//
//   ASSIGN_OR_RETURN(auto reader, CorpusReader::Open("corpus.jsonl.gz", {}));
//   CorpusRecord record;
//   while (true) {
//     absl::StatusOr<bool> more = reader->Next(&record);
//     if (!more.ok()) { /* "corpus.jsonl.gz:17: invalid JSON: ..." */ }
//     if (!*more) break;
//     for (auto& w : reader->TakeWarnings()) PrintWarning(w);  // "file:line: ..."
//     Send(record.document, record.line);
//   }
#ifndef LOUPE_TOOLS_CLI_CORPUS_READER_H_
#define LOUPE_TOOLS_CLI_CORPUS_READER_H_

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loupe/v1/document.pb.h"

namespace loupe::cli {

enum class CorpusFormat { kJsonLines, kText, kHtml };

// The format implied by a file name (see the file comment).
CorpusFormat FormatForPath(absl::string_view path);

// Lines of a plain or gzip-compressed file (zlib detects which), with the
// number of file bytes consumed so far (compressed bytes for gzip), for
// progress. Lines longer than the buffer are fine; "\r\n" endings and a
// leading UTF-8 byte order mark are removed.
class LineReader {
 public:
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its terminator; false at the end of the file.
  // A read or decompression error (e.g. a truncated .gz) is DATA_LOSS.
  absl::StatusOr<bool> ReadLine(std::string* line);
  // Everything not read yet.
  absl::StatusOr<std::string> ReadAll();

  // 1-based number of the line last returned.
  int64_t line_number() const { return line_number_; }
  // Bytes of the file consumed (compressed bytes for gzip).
  uint64_t file_bytes_read() const;
  uint64_t file_size() const { return file_size_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, gzFile file, uint64_t file_size);
  // Appends up to one buffer of decompressed data; false at end of file.
  absl::StatusOr<bool> Fill();

  std::string path_;
  gzFile file_;
  uint64_t file_size_;
  std::string buffer_;
  size_t position_ = 0;
  bool eof_ = false;
  int64_t line_number_ = 0;
};

// One document read from a file.
struct CorpusRecord {
  loupe::v1::Document document;
  // 1-based line of the record in its file (1 for a single-document file).
  int64_t line = 0;
};

class CorpusReader {
 public:
  struct Options {
    // Count and skip invalid lines instead of failing on them.
    bool skip_bad_lines = false;
    // Id given to a single-document (.txt/.html) file; empty: derived by the server.
    std::string single_document_id;
  };

  static absl::StatusOr<std::unique_ptr<CorpusReader>> Open(const std::string& path,
                                                            const Options& options);

  // The next document; false at the end. A bad line is INVALID_ARGUMENT
  // "path:line: why" (unless skip_bad_lines); a read error is DATA_LOSS.
  absl::StatusOr<bool> Next(CorpusRecord* record);

  // Warnings since the last call, each "path:line: message".
  std::vector<std::string> TakeWarnings();

  CorpusFormat format() const { return format_; }
  int64_t bad_lines() const { return bad_lines_; }
  uint64_t file_bytes_read() const { return lines_->file_bytes_read(); }
  uint64_t file_size() const { return lines_->file_size(); }
  const std::string& path() const { return lines_->path(); }

 private:
  CorpusReader(std::unique_ptr<LineReader> lines, CorpusFormat format, Options options)
      : lines_(std::move(lines)), format_(format), options_(std::move(options)) {}
  absl::StatusOr<bool> NextSingleDocument(CorpusRecord* record);

  std::unique_ptr<LineReader> lines_;
  CorpusFormat format_;
  Options options_;
  bool single_document_done_ = false;
  int64_t bad_lines_ = 0;
  std::vector<std::string> warnings_;
  std::string line_;
};

// Title of a plain-text document: its first non-empty line, trimmed, at most
// 512 bytes.
std::string TextTitle(absl::string_view text);

// Text of the first <title> element of an HTML page, entities decoded and
// whitespace collapsed; empty when there is none.
std::string HtmlTitle(absl::string_view html);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_CORPUS_READER_H_
