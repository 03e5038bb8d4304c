//===- PythonChannel.h - the autoshard Python process of a plugin -*- C++ -*-===//
//
// autoshard's passes are Python.  They cannot run inside mlir-opt's process:
// the MLIR Python bindings would register MLIR's passes a second time in the
// libMLIR.so mlir-opt already uses, and LLVM aborts.  So the plugin starts
// one child per mlir-opt process, `python -m autoshard.plugin_entry
// --serve-fd N`, on first use and exchanges one JSON object per line with it
// over a socket (protocol: python/autoshard/plugin_entry.py).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOSHARD_PASSES_PYTHONCHANNEL_H
#define AUTOSHARD_PASSES_PYTHONCHANNEL_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <mutex>
#include <string>
#include <sys/types.h>

namespace autoshard {

class PythonChannel {
public:
  /// The process-wide channel (started lazily, stopped at exit).
  static PythonChannel &get();

  /// Sends `request`, waits for the reply.  Thread-safe: one request at a
  /// time, as the Python side serves one.  Starts the process if it is not
  /// running, unless `start` is false (then that is an error).
  llvm::Expected<llvm::json::Value> call(const llvm::json::Value &request, bool start = true);

  ~PythonChannel();

private:
  PythonChannel() = default;
  llvm::Error start();
  llvm::Error exitedError(llvm::StringRef what);

  std::mutex mutex;
  int fd = -1;
  pid_t pid = -1;
  std::string buffered; // bytes read past the last reply's newline
};

/// The Python interpreter the plugin runs: $AUTOSHARD_PYTHON, else the one
/// the plugin was built with (the venv where autoshard is installed).
std::string pythonExecutable();

} // namespace autoshard

#endif // AUTOSHARD_PASSES_PYTHONCHANNEL_H
