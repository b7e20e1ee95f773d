#pragma once
// What kind of place a source or output URI names, and how to show it: a
// database URI may carry a password (postgres://user:secret@host/db), which
// sluice never prints, records or writes into an artifact.

#include <string>
#include <utility>
#include <vector>

namespace sluice {

// Whether `uri` names a PostgreSQL (or Redshift) database.
bool IsPostgresUri(const std::string& uri);

// `uri` with its password (user:PASSWORD@ and ?password=...) masked as
// ***; any other URI or path unchanged.
std::string RedactUri(const std::string& uri);

// The parameters after a URI's `?` (`query`: the text after it), in order.
std::vector<std::pair<std::string, std::string>> UriQueryParams(const std::string& query);

}  // namespace sluice
