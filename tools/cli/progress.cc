#include "tools/cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/cli/output_format.h"

namespace loupe::cli {
namespace {

constexpr absl::Duration kTerminalInterval = absl::Milliseconds(200);
constexpr absl::Duration kLogInterval = absl::Seconds(10);

int TerminalWidth(FILE* out) {
  struct winsize size;
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

double Rate(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

bool TotalKnown(const ProgressSnapshot& snapshot) { return snapshot.bytes_total > 0; }

double Fraction(const ProgressSnapshot& snapshot) {
  return std::min(1.0, static_cast<double>(snapshot.bytes_read) /
                           static_cast<double>(snapshot.bytes_total));
}

double EtaSeconds(const ProgressSnapshot& snapshot) {
  const double byte_rate = Rate(snapshot.bytes_read, snapshot.elapsed_seconds);
  if (byte_rate <= 0) return -1;
  const double left =
      static_cast<double>(snapshot.bytes_total) - static_cast<double>(snapshot.bytes_read);
  return std::max(0.0, left / byte_rate);
}

}  // namespace

std::string FormatEta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const int64_t total = static_cast<int64_t>(std::llround(seconds));
  const int64_t hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60;
  if (hours > 0) return absl::StrFormat("%d:%02d:%02d", hours, minutes, secs);
  return absl::StrFormat("%d:%02d", minutes, secs);
}

std::string FormatProgressBar(const ProgressSnapshot& snapshot, int width) {
  std::string head = absl::StrCat(
      FormatCount(snapshot.documents), " docs  ",
      FormatCount(std::llround(Rate(snapshot.documents, snapshot.elapsed_seconds))),
      " docs/s  ", FormatBytes(snapshot.bytes_read));
  if (!TotalKnown(snapshot)) return std::string(TruncateUtf8(head, std::max(width, 0)));
  absl::StrAppend(&head, "/", FormatBytes(snapshot.bytes_total));
  const double fraction = Fraction(snapshot);
  const std::string tail = absl::StrFormat("  %3d%%  ETA %s",
                                           static_cast<int>(std::floor(fraction * 100)),
                                           FormatEta(EtaSeconds(snapshot)));
  const int bar_width = std::min<int>(
      30, width - static_cast<int>(head.size() + tail.size()) - 4);
  std::string line = head;
  if (bar_width >= 10) {
    const int filled = static_cast<int>(std::floor(fraction * bar_width));
    absl::StrAppend(&line, "  [", std::string(filled, '#'),
                    std::string(bar_width - filled, '.'), "]");
  }
  absl::StrAppend(&line, tail);
  return std::string(TruncateUtf8(line, std::max(width, 0)));
}

std::string FormatProgressLog(const ProgressSnapshot& snapshot) {
  std::string line = absl::StrCat(
      "progress: ", FormatCount(snapshot.documents), " docs, ",
      FormatCount(std::llround(Rate(snapshot.documents, snapshot.elapsed_seconds))),
      " docs/s, ", FormatBytes(snapshot.bytes_read));
  if (TotalKnown(snapshot)) {
    absl::StrAppend(&line, " of ", FormatBytes(snapshot.bytes_total), " read (",
                    static_cast<int>(std::floor(Fraction(snapshot) * 100)), "%), ETA ",
                    FormatEta(EtaSeconds(snapshot)));
  } else {
    absl::StrAppend(&line, " read");
  }
  return line;
}

ProgressReporter::ProgressReporter(FILE* out, bool terminal, uint64_t bytes_total)
    : out_(out), terminal_(terminal), bytes_total_(bytes_total), start_(absl::Now()) {}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Start() { thread_ = std::thread([this] { Run(); }); }

void ProgressReporter::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mutex_);
  EraseLocked();
}

ProgressSnapshot ProgressReporter::Snapshot() const {
  ProgressSnapshot snapshot;
  snapshot.documents = documents_.load(std::memory_order_relaxed);
  snapshot.bytes_read = bytes_read_.load(std::memory_order_relaxed);
  snapshot.bytes_total = bytes_total_;
  snapshot.elapsed_seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  return snapshot;
}

void ProgressReporter::Print(absl::string_view line) {
  absl::MutexLock lock(&mutex_);
  const bool redraw = line_drawn_;
  EraseLocked();
  absl::FPrintF(out_, "%s\n", line);
  if (redraw && !stopping_) DrawLocked(Snapshot());
  std::fflush(out_);
}

void ProgressReporter::Run() {
  const absl::Duration interval = terminal_ ? kTerminalInterval : kLogInterval;
  absl::MutexLock lock(&mutex_);
  while (true) {
    const absl::Time deadline = absl::Now() + interval;
    while (!stopping_ && absl::Now() < deadline) {
      mutex_.AwaitWithDeadline(absl::Condition(&stopping_), deadline);
    }
    if (stopping_) return;
    DrawLocked(Snapshot());
  }
}

void ProgressReporter::DrawLocked(const ProgressSnapshot& snapshot) {
  if (terminal_) {
    absl::FPrintF(out_, "\r\033[K%s", FormatProgressBar(snapshot, TerminalWidth(out_) - 1));
    line_drawn_ = true;
  } else {
    absl::FPrintF(out_, "%s\n", FormatProgressLog(snapshot));
  }
  std::fflush(out_);
}

void ProgressReporter::EraseLocked() {
  if (!line_drawn_) return;
  absl::FPrintF(out_, "\r\033[K");
  std::fflush(out_);
  line_drawn_ = false;
}

}  // namespace loupe::cli
