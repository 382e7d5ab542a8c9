// Progress of a long ingest on stderr.
//
// On a terminal: one line redrawn about 5 times a second ("\r" + clear):
//   "  12,345 docs   1,620 docs/s   12.3 MB/27.6 MB  [#######.......]  44%  ETA 0:07"
// Otherwise (logs, CI): a plain line every 10 seconds:
//   "progress: 12,345 docs, 1,620 docs/s, 12.3 MB of 27.6 MB read (44%), ETA 0:07"
// The percentage and ETA appear only when the total size is known; they are
// based on file bytes read (compressed bytes for .gz) against the total.
//
//   ProgressReporter progress(stderr, isatty(fileno(stderr)), total_bytes);
//   progress.Start();
//   progress.AddDocuments(batch_size);  progress.SetBytesRead(n);   // any thread
//   progress.Print("file:3: warning ...");  // printed above the bar
//   progress.Stop();                        // erases the bar
#ifndef LOUPE_TOOLS_CLI_PROGRESS_H_
#define LOUPE_TOOLS_CLI_PROGRESS_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace loupe::cli {

struct ProgressSnapshot {
  int64_t documents = 0;
  uint64_t bytes_read = 0;
  // 0 when unknown.
  uint64_t bytes_total = 0;
  double elapsed_seconds = 0;
};

// "0:07", "12:34", "1:02:03"; "--:--" for negative or non-finite values.
std::string FormatEta(double seconds);

// The terminal line, at most `width` columns (the bar shrinks or goes).
std::string FormatProgressBar(const ProgressSnapshot& snapshot, int width);

// The periodic plain line.
std::string FormatProgressLog(const ProgressSnapshot& snapshot);

class ProgressReporter {
 public:
  ProgressReporter(FILE* out, bool terminal, uint64_t bytes_total);
  ~ProgressReporter();  // stops

  void Start();
  // Erases the terminal line; idempotent.
  void Stop();

  void AddDocuments(int64_t count) { documents_.fetch_add(count, std::memory_order_relaxed); }
  void SetBytesRead(uint64_t bytes) { bytes_read_.store(bytes, std::memory_order_relaxed); }
  // Prints one line (a warning, a retry notice) without garbling the bar.
  void Print(absl::string_view line);

  ProgressSnapshot Snapshot() const;

 private:
  void Run();
  void DrawLocked(const ProgressSnapshot& snapshot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void EraseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  FILE* const out_;
  const bool terminal_;
  const uint64_t bytes_total_;
  const absl::Time start_;
  std::atomic<int64_t> documents_{0};
  std::atomic<uint64_t> bytes_read_{0};

  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool line_drawn_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_PROGRESS_H_
