#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace sluice {

int Error::exit_code() const {
  switch (kind_) {
    case ErrorKind::kUsage:
      return 2;
    case ErrorKind::kInputData:
      return 3;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      return 1;
    case ErrorKind::kInterrupted:
      return 130;
  }
  return 1;
}

void ThrowUsage(std::string message) { throw Error(ErrorKind::kUsage, std::move(message)); }
void ThrowInputData(std::string message) { throw Error(ErrorKind::kInputData, std::move(message)); }
void ThrowIo(std::string message) { throw Error(ErrorKind::kIo, std::move(message)); }
void ThrowInternal(std::string message) { throw Error(ErrorKind::kInternal, std::move(message)); }
void ThrowInterrupted(std::string message) { throw Error(ErrorKind::kInterrupted, std::move(message)); }

void ThrowErrno(const std::string& what) {
  int err = errno;
  throw Error(ErrorKind::kIo, what + ": " + std::strerror(err));
}

}  // namespace sluice
