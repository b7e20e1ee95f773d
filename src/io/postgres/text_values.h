#pragma once
// A value as PostgreSQL (or Redshift) writes it in text result format,
// re-encoded as the bytes its binary format holds, so that a cursor whose
// server answers in text goes through the same COPY decoder, type map and
// rules as one that answers in binary (io/postgres/copy_binary.h).
//
// The forms read are the server's own output with DateStyle ISO and
// TimeZone UTC, which the reading session sets: integers; floats with
// NaN and [-]Infinity; numeric's plain decimals (and NaN, [-]Infinity);
// t / f; dates YYYY-MM-DD with an optional " BC", and [-]infinity;
// timestamps YYYY-MM-DD HH:MM:SS[.ffffff] with an optional offset
// (+HH, +HH:MM, +HH:MM:SS, or -) and " BC". Anything else is not a value
// of the type: an input-data error naming `where`.

#include <string>
#include <string_view>

#include "io/postgres/copy_binary.h"

namespace sluice {

// Appends the binary form of `text`, a value of wire type `wire`, to `out`
// (the value's bytes only, without the length before them).
void AppendBinaryFromText(PgWireType wire, std::string_view text, std::string& out, const std::string& where);

}  // namespace sluice
