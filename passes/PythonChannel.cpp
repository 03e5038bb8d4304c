//===- PythonChannel.cpp - the autoshard Python process of a plugin -------===//

#include "PythonChannel.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace autoshard;

std::string autoshard::pythonExecutable() {
  if (const char *fromEnv = std::getenv("AUTOSHARD_PYTHON"); fromEnv && *fromEnv)
    return fromEnv;
  return AUTOSHARD_PLUGIN_PYTHON;
}

PythonChannel &PythonChannel::get() {
  static PythonChannel channel;
  return channel;
}

PythonChannel::~PythonChannel() {
  if (fd < 0)
    return;
  // EOF ends the child's request loop; wait so no zombie outlives us.
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

llvm::Error PythonChannel::start() {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) != 0)
    return llvm::createStringError(llvm::errnoAsErrorCode(), "socketpair failed");
  // Our end must not leak into the child (it would never see EOF).
  ::fcntl(sockets[0], F_SETFD, FD_CLOEXEC);

  std::string python = pythonExecutable();
  std::string childFd = std::to_string(sockets[1]);
  llvm::SmallVector<char *> argv = {python.data(), const_cast<char *>("-m"),
                                    const_cast<char *>("autoshard.plugin_entry"),
                                    const_cast<char *>("--serve-fd"), childFd.data(), nullptr};
  // mlir-opt's stdout carries its output: whatever Python prints goes to stderr.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t child;
  int rc = ::posix_spawn(&child, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(sockets[1]);
  if (rc != 0) {
    ::close(sockets[0]);
    return llvm::createStringError(std::error_code(rc, std::generic_category()),
                                   "cannot start the autoshard Python interpreter '%s' "
                                   "(set AUTOSHARD_PYTHON to one where autoshard is installed): %s",
                                   python.c_str(), std::strerror(rc));
  }
  fd = sockets[0];
  pid = child;
  return llvm::Error::success();
}

llvm::Error PythonChannel::exitedError(llvm::StringRef what) {
  int status = 0;
  std::string how = "exited";
  if (::waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status))
      how = "exited with status " + std::to_string(WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      how = "was killed by signal " + std::to_string(WTERMSIG(status));
  }
  ::close(fd);
  fd = -1;
  return llvm::createStringError(std::errc::broken_pipe,
                                 "the autoshard Python process (%s -m autoshard.plugin_entry) %s "
                                 "while %s; its messages are above",
                                 pythonExecutable().c_str(), how.c_str(), what.str().c_str());
}

llvm::Expected<llvm::json::Value> PythonChannel::call(const llvm::json::Value &request, bool start) {
  std::lock_guard<std::mutex> lock(mutex);
  if (fd < 0 && !start)
    return llvm::createStringError(std::errc::not_connected, "the autoshard Python process is not running");
  if (fd < 0)
    if (llvm::Error err = this->start())
      return std::move(err);

  std::string line;
  llvm::raw_string_ostream(line) << request << '\n';
  for (size_t sent = 0; sent < line.size();) {
    // MSG_NOSIGNAL: a dead child is an error to report, not a SIGPIPE.
    ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return exitedError("receiving a request");
    sent += n;
  }

  size_t newline;
  while ((newline = buffered.find('\n')) == std::string::npos) {
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return exitedError("running a request");
    buffered.append(chunk, n);
  }
  std::string reply = buffered.substr(0, newline);
  buffered.erase(0, newline + 1);
  return llvm::json::parse(reply);
}
