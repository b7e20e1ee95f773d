#pragma once
// sluice's one exception type. What ends a step, a request or a command throws
// an Error whose message carries the context a user needs to fix the cause
// ("taxi.csv:18233: column fare_amount: 'abc' is not a number"). Only the edges
// catch it: main maps the kind to an exit code, the server to an HTTP status.

#include <stdexcept>
#include <string>

namespace sluice {

enum class ErrorKind {
  kUsage,      // bad command line, pipeline file or expression: exit 2
  kInputData,  // the data itself is unusable: exit 3
  kIo,         // the file system or a peer failed: exit 1
  kInternal,   // a bug or a library failure: exit 1
  kInterrupted,  // stopped by SIGTERM / SIGINT, a checkpoint written: exit 130
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message)
      : std::runtime_error(std::move(message)), kind_(kind) {}

  ErrorKind kind() const { return kind_; }

  // The process exit code for this kind (0 is success, never an Error).
  int exit_code() const;

 private:
  ErrorKind kind_;
};

[[noreturn]] void ThrowUsage(std::string message);
[[noreturn]] void ThrowInputData(std::string message);
[[noreturn]] void ThrowIo(std::string message);
[[noreturn]] void ThrowInternal(std::string message);
[[noreturn]] void ThrowInterrupted(std::string message);

// "path: strerror(errno)" as an IO error.
[[noreturn]] void ThrowErrno(const std::string& what);

}  // namespace sluice
