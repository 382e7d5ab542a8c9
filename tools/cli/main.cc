// `loupe`: command-line client of a Loupe cluster. Parses the command line
// and dispatches to the command; see cli_flags.cc for the usage text.
#include <iostream>

#include "services/common/log.h"
#include "tools/cli/admin_commands.h"
#include "tools/cli/backup_command.h"
#include "tools/cli/cli_flags.h"
#include "tools/cli/ingest_command.h"
#include "tools/cli/search_command.h"

int main(int argc, char** argv) {
  loupe::SetLogProgramName("loupe");
  loupe::cli::CliArgs args;
  if (!loupe::cli::ParseCliArgs(argc, argv, &args)) return loupe::cli::kExitUsage;
  if (args.command == "help") {
    std::cout << loupe::cli::UsageText();
    return loupe::cli::kExitOk;
  }
  if (args.command == "ingest") return loupe::cli::RunIngest(args.positional);
  if (args.command == "search") return loupe::cli::RunSearch(args.positional);
  if (args.command == "get") return loupe::cli::RunGet(args.positional);
  if (args.command == "delete") return loupe::cli::RunDelete(args.positional);
  if (args.command == "status") return loupe::cli::RunStatus(args.positional);
  if (args.command == "backup") return loupe::cli::RunBackup(args.positional);
  std::cerr << "loupe: unknown command '" << args.command << "'" << std::endl;
  return loupe::cli::kExitUsage;
}
